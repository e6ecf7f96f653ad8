"""A mutation, applied through the one change path (``kexpwa.domain.changes``).

``<type>.upsert`` and ``<type>.delete`` carry a base_version (null counts as 0: "create", so a
device can never overwrite a record it has not seen). ``<type>.share`` changes only sharing
choices and ``<type>.restore`` undoes a delete; neither overwrites content, so both ignore
base_version and never conflict.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain import changes, feedback, flags, registry
from kexpwa.domain.batch import Batch
from kexpwa.domain.changes import Applied
from kexpwa.domain.errors import ChangeError, Invalid, NotFound, ReadOnly, Stale, UnknownField
from kexpwa.domain.kinds import Context, Kind
from kexpwa.models.records import Record
from kexpwa.models.sync import AppliedMutation
from kexpwa.syncing import conflicts
from sync import errors
from sync.envelope import Mutation
from sync.ports import Result
from sync.push import rejected

log = logging.getLogger(__name__)
UNREADABLE = "Some of the data could not be read: check that each field has the right type."


def known_kinds() -> frozenset[str]:
    """Every ``<type>.<action>`` a push may carry. A child kind's (feedback) are all known:
    a new comment is applied, anything else refused as ``read_only``."""
    names: set[str] = set()
    for kind in registry.synced_kinds():
        names.update(f"{kind.name}.{action}" for action in ("upsert", "delete", "restore"))
        if kind.share_fields:
            names.add(f"{kind.name}.share")
    return frozenset(names)


def snapshot(kind: Kind, record: Record) -> dict[str, Any]:
    """The server's copy of a record, as a pull would send it to its owner."""
    deleted = record.deleted_at is not None
    return {
        "kind": kind.name,
        "record_id": str(record.id),
        "version": record.version,
        "deleted": deleted,
        "data": None if deleted else kind.serialize(record),
    }


async def _share(ctx: Context, kind: Kind, mutation: Mutation, conn: BaseDBAsyncClient) -> Applied:
    data = mutation.data or {}
    # A share may carry the owner's "Save anyway" (kexpwa.domain.flags): sharing an entry
    # with unresolved identifier flags is refused without it.
    extra = sorted(set(data) - set(kind.share_fields) - {flags.SAVE_ANYWAY})
    if extra:
        raise UnknownField(
            f"A share changes only sharing choices; {extra[0][:40]!r} is not one.",
            {name[:40]: "Not a sharing choice." for name in extra[:10]},
        )
    if not set(data) & set(kind.share_fields):
        raise Invalid("A share needs at least one sharing choice.")
    # Locked for the rest of the transaction, so the version passed on is still current.
    current = (
        await kind.model.filter(id=mutation.record_id).select_for_update().using_db(conn).first()
    )
    if current is None or current.owner_id != ctx.actor.id:
        raise NotFound()
    return await changes.upsert(ctx, kind.name, mutation.record_id, data, current.version)


async def _chained_base(
    ctx: Context, kind: Kind, mutation: Mutation, conn: BaseDBAsyncClient
) -> int:
    """The version the device's earlier mutation (``base_mutation_id``) really produced.
    If that one was not applied to this record, the chain broke: the device's later edit was
    made on a version that never existed here, so it is a conflict, never applied on top of
    whatever is there now (which someone else may have written)."""
    before = (
        await AppliedMutation.filter(
            mutation_id=mutation.base_mutation_id,
            user_id=ctx.actor.id,
            record_id=mutation.record_id,
        )
        .using_db(conn)
        .first()
    )
    version = before.result.get("version") if before is not None else None
    if before is not None and before.status == "applied" and isinstance(version, int):
        return version
    current = (
        await kind.model.filter(id=mutation.record_id).select_for_update().using_db(conn).first()
    )
    if current is None or current.owner_id != ctx.actor.id:
        raise NotFound()
    raise Stale(current, current.version)


async def _comment(
    ctx: Context, kind: Kind, mutation: Mutation, conn: BaseDBAsyncClient
) -> Applied:
    """A comment or reply made on the device (feedback.upsert of a new record), by the same
    rules as the web form (kexpwa.domain.feedback.comment). Never an edit or a delete."""
    exists = await kind.model.filter(id=mutation.record_id).using_db(conn).exists()
    if mutation.action != "upsert" or mutation.base_version or exists:
        raise ReadOnly(errors.message("read_only"))
    data = mutation.data or {}
    extra = sorted(set(data) - {"body", "parent_kind", "parent_id"})
    if extra:
        raise UnknownField(
            f"Unknown field {extra[0][:40]!r} for feedback.",
            {name[:40]: "Not a field of feedback." for name in extra[:10]},
        )
    try:
        parent_id = uuid.UUID(str(data.get("parent_id")))
    except ValueError:
        raise NotFound() from None
    body = data.get("body")
    if not isinstance(body, str):
        raise Invalid("Enter your comment.", {"body": "Enter your comment."})
    item = await feedback.comment(
        ctx.actor, str(data.get("parent_kind")), parent_id, body, record_id=mutation.record_id
    )
    return Applied(kind.name, item, created=True)


async def _change(ctx: Context, kind: Kind, mutation: Mutation, conn: BaseDBAsyncClient) -> Applied:
    if kind.parent is not None:
        return await _comment(ctx, kind, mutation, conn)
    base = mutation.base_version or 0
    if mutation.base_mutation_id is not None and mutation.action in ("upsert", "delete"):
        base = await _chained_base(ctx, kind, mutation, conn)
    if mutation.action == "upsert":
        # New text with sharing on and unresolved identifiers: the text is applied and
        # sharing held off (the result says so), never the whole change refused.
        return await changes.upsert(
            ctx, kind.name, mutation.record_id, mutation.data or {}, base, hold_sharing=True
        )
    if mutation.action == "delete":
        return await changes.delete(ctx, kind.name, mutation.record_id, base)
    if mutation.action == "restore":
        return await changes.restore(ctx, kind.name, mutation.record_id)
    return await _share(ctx, kind, mutation, conn)


async def _not_found(
    ctx: Context, kind: Kind, record_id: uuid.UUID, conn: BaseDBAsyncClient
) -> Result:
    # The same code and words whether the record never existed, belongs to someone else or
    # lives in another authority; only the owner learns that their own record was deleted.
    own = await kind.model.filter(id=record_id, owner_id=ctx.actor.id).using_db(conn).first()
    if own is not None and own.deleted_at is not None:
        return rejected("deleted")
    return rejected("not_found")


async def _answer(
    ctx: Context,
    kind: Kind,
    mutation: Mutation,
    conn: BaseDBAsyncClient,
    change: Callable[[], Awaitable[Applied]],
    keep: Callable[[Stale], Awaitable[Result]],
) -> Applied | Result:
    """The change's outcome, or the answer for a change that was not made."""
    try:
        return await change()
    except Stale as exc:
        return await keep(exc)
    except NotFound:
        return await _not_found(ctx, kind, mutation.record_id, conn)
    except ChangeError as exc:
        extra = {"fields": exc.fields} if exc.fields else {}
        return rejected(exc.code, exc.message, **extra)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
        # A validator met a value of a type it did not expect (JSON can send what no form
        # can). Nothing was changed (the savepoint is rolled back, or a batch had not written
        # it yet); the device hears "invalid", never a 500.
        log.warning("sync: %s data broke a validator", mutation.kind, exc_info=True)
        return rejected("invalid", UNREADABLE)


def _applied(mutation: Mutation, applied: Applied) -> Result:
    result: Result = {
        "status": "applied",
        "record_id": str(mutation.record_id),
        "version": applied.version,
    }
    if applied.sharing_held:
        result["sharing_held"] = list(applied.sharing_held)
    return result


async def apply(
    ctx: Context,
    mutation: Mutation,
    client_id: uuid.UUID,
    conn: BaseDBAsyncClient,
    conflicted: set[uuid.UUID],
) -> Result:
    """Apply one screened mutation inside the caller's transaction (the change itself runs in
    a savepoint of it). Answers applied, conflict or rejected; raises only database errors.
    ``conflicted`` holds the records with open conflicts of the actor (kept up to date here);
    only a change to one of those can resolve one."""
    kind = registry.get(mutation.type)
    assert kind is not None  # screened against known_kinds()

    async def keep(exc: Stale) -> Result:
        conflicted.add(mutation.record_id)
        return await conflicts.keep(ctx, kind, mutation, client_id, exc, snapshot, conn)

    change = partial(_change, ctx, kind, mutation, conn)
    outcome = await _answer(ctx, kind, mutation, conn, change, keep)
    if not isinstance(outcome, Applied):
        return outcome
    if mutation.action in ("upsert", "delete") and mutation.record_id in conflicted:
        await conflicts.resolve(ctx, mutation, client_id, conn)
    return _applied(mutation, outcome)


async def apply_all(
    batch: Batch,
    todo: list[tuple[Mutation, Result | None]],
    client_id: uuid.UUID,
    conflicted: set[uuid.UUID],
    log: Callable[[Mutation, Result], Awaitable[None]],
) -> list[Result]:
    """Apply screened mutations in order through ``batch`` (``kexpwa.domain.batch.Batch``),
    each logged by ``log`` (which adds its row to the batch), and flush it. Upserts and deletes of
    records without open conflicts are decided in memory and written set-based; anything else
    (a share, a restore, a change that may resolve a conflict) flushes the batch and goes
    through :func:`apply`. The results are those :func:`apply` gives one at a time."""
    ctx, conn = batch.ctx, batch.conn
    await batch.load((m.type, m.record_id) for m, done in todo if done is None)
    logged: dict[uuid.UUID, tuple[Mutation, Result]] = {}
    results: list[Result] = []
    for mutation, done in todo:
        if done is None:
            kind = registry.get(mutation.type)
            assert kind is not None  # screened against known_kinds()
            # Feedback (a kind with a parent) has its own rules (_comment): one at a time.
            simple = mutation.action in ("upsert", "delete") and kind.parent is None
            if simple and mutation.record_id not in conflicted:
                done = await _batched(batch, kind, mutation, client_id, conflicted, logged)
            else:
                await batch.flush()
                batch.forget(kind.name, mutation.record_id)
                done = await apply(ctx, mutation, client_id, conn, conflicted)
                batch.forget(kind.name, mutation.record_id)
        result = {"mutation_id": str(mutation.mutation_id), **done}
        logged[mutation.mutation_id] = (mutation, result)
        await log(mutation, result)
        results.append(result)
    await batch.flush()
    return results


async def _batched(
    batch: Batch,
    kind: Kind,
    mutation: Mutation,
    client_id: uuid.UUID,
    conflicted: set[uuid.UUID],
    logged: dict[uuid.UUID, tuple[Mutation, Result]],
) -> Result:
    async def change() -> Applied:
        base = mutation.base_version or 0
        if mutation.base_mutation_id is not None:
            base = await _chained_in(batch, kind, mutation, logged)
        if mutation.action == "upsert":
            data = mutation.data or {}
            return await batch.upsert(kind.name, mutation.record_id, data, base, hold_sharing=True)
        return await batch.delete(kind.name, mutation.record_id, base)

    async def keep(exc: Stale) -> Result:
        conflicted.add(mutation.record_id)
        conflict, result = conflicts.kept(batch.ctx, kind, mutation, client_id, exc, snapshot)
        batch.add(conflict)
        return result

    outcome = await _answer(batch.ctx, kind, mutation, batch.conn, change, keep)
    return _applied(mutation, outcome) if isinstance(outcome, Applied) else outcome


async def _chained_in(
    batch: Batch, kind: Kind, mutation: Mutation, logged: dict[uuid.UUID, tuple[Mutation, Result]]
) -> int:
    """:func:`_chained_base`, for an earlier mutation logged in this batch or before it."""
    assert mutation.base_mutation_id is not None
    earlier = logged.get(mutation.base_mutation_id)
    if earlier is not None:
        before, result = earlier
        status = result["status"] if before.record_id == mutation.record_id else None
    else:
        row = await (
            AppliedMutation.filter(
                mutation_id=mutation.base_mutation_id,
                user_id=batch.ctx.actor.id,
                record_id=mutation.record_id,
            )
            .using_db(batch.conn)
            .first()
        )
        status, result = (row.status, row.result) if row is not None else (None, {})
    version = result.get("version")
    if status == "applied" and isinstance(version, int):
        return version
    current = await batch.current(kind.name, mutation.record_id)
    raise Stale(current, current.version)

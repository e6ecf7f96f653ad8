"""A mutation, applied through the one change path (``kexpwa.domain.changes``).

``<type>.upsert`` and ``<type>.delete`` carry a base_version (null counts as 0: "create", so a
device can never overwrite a record it has not seen). ``<type>.share`` changes only sharing
choices and ``<type>.restore`` undoes a delete; neither overwrites content, so both ignore
base_version and never conflict.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain import changes, feedback, flags, registry
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
    try:
        applied = await _change(ctx, kind, mutation, conn)
    except Stale as exc:
        conflicted.add(mutation.record_id)
        return await conflicts.keep(ctx, kind, mutation, client_id, exc, snapshot, conn)
    except NotFound:
        return await _not_found(ctx, kind, mutation.record_id, conn)
    except ChangeError as exc:
        extra = {"fields": exc.fields} if exc.fields else {}
        return rejected(exc.code, exc.message, **extra)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
        # A validator met a value of a type it did not expect (JSON can send what no form
        # can). The savepoint is rolled back; the device hears "invalid", never a 500.
        log.warning("sync: %s data broke a validator", mutation.kind, exc_info=True)
        return rejected("invalid", UNREADABLE)
    if mutation.action in ("upsert", "delete") and mutation.record_id in conflicted:
        await conflicts.resolve(ctx, mutation, client_id, conn)
    result: Result = {
        "status": "applied",
        "record_id": str(mutation.record_id),
        "version": applied.version,
    }
    if applied.sharing_held:
        result["sharing_held"] = list(applied.sharing_held)
    return result

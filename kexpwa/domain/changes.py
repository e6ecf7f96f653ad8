"""The one way a record changes. Form posts and the sync engine both call these functions.

Each change runs in a transaction on the bound authority: it locks the record, checks the
owner (someone else's record is simply "not found"), checks ``base_version`` (a stale base is
a conflict, never a silent overwrite), keeps the previous version, records sharing changes,
and stamps the record with the next number from the authority's change counter (the pull
cursor). Called inside an outer transaction, it becomes a savepoint of that transaction.

Many changes at once (a sync push's chunk) go through :class:`kexpwa.domain.batch.Batch`,
which applies these same rules and writes the results set-based.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import flags, tally
from kexpwa.domain.errors import Gone, Invalid, NotFound, Stale, UnknownField
from kexpwa.domain.kinds import Context, Kind
from kexpwa.domain.registry import children_of, kind_of
from kexpwa.models.records import Record, RecordVersion, SharingChange


@dataclass(frozen=True)
class Applied:
    kind: str
    record: Record
    created: bool = False
    # Share fields kept off because the new text has unresolved identifier flags.
    sharing_held: tuple[str, ...] = ()

    @property
    def version(self) -> int:
        return int(self.record.version)


async def next_change_no(conn: BaseDBAsyncClient, count: int = 1) -> int:
    """Take the next ``count`` change numbers; returns the last. The row lock is held until the
    caller's transaction ends, so numbers become visible in the order they were taken: a pull
    never skips one."""
    # execute_query_dict: the asyncpg backend's execute_query drops RETURNING rows of UPDATEs.
    rows = await conn.execute_query_dict(
        f"UPDATE change_counter SET value = value + {int(count)} WHERE id = 1 RETURNING value"  # noqa: S608
    )
    return int(rows[0]["value"])


async def _locked(kind: Kind, record_id: uuid.UUID, conn: BaseDBAsyncClient) -> Record | None:
    return await kind.model.filter(id=record_id).select_for_update().using_db(conn).first()


@asynccontextmanager
async def _opened(
    ctx: Context, kind_name: str, record_id: uuid.UUID
) -> AsyncIterator[tuple[Kind, Record | None, BaseDBAsyncClient]]:
    """The opening every change shares: a transaction on the bound authority (a savepoint
    inside an outer one), the record locked, and someone else's record treated as missing."""
    kind = kind_of(kind_name)
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        current = await _locked(kind, record_id, conn)
        if current is not None and current.owner_id != ctx.actor.id:
            raise NotFound()
        yield kind, current, conn


async def _keep_version(
    kind: Kind, record: Record, data: dict[str, Any], conn: BaseDBAsyncClient
) -> None:
    await RecordVersion.create(
        kind=kind.name, record_id=record.id, version=record.version, data=data, using_db=conn
    )


async def _record_sharing(
    kind: Kind, record: Record, before: Mapping[str, bool], ctx: Context, conn: BaseDBAsyncClient
) -> None:
    for field, audience in kind.share_fields.items():
        now = bool(getattr(record, field))
        if now != before.get(field, False):
            await SharingChange.create(
                kind=kind.name,
                record_id=record.id,
                audience=audience,
                shared=now,
                actor_id=ctx.actor.id,
                using_db=conn,
            )


def check_single(kind: Kind, record_id: uuid.UUID, ctx: Context, *, deleting: bool = False) -> None:
    """A kind with one record per person (:attr:`Kind.single`) takes only that record's id,
    and its record is never deleted (its owner changes it instead)."""
    if kind.single is None:
        return
    if deleting:
        raise Invalid(f"A {kind.label} cannot be deleted; change it instead.")
    if record_id != kind.single(ctx.actor.id):
        raise Invalid(f"Each person has one {kind.label}; this is not the id of yours.")


def accepted(kind_name: str, data: Mapping[str, Any]) -> tuple[Kind, str | None, dict[str, Any]]:
    """The kind, the "Save anyway" reason and the data without it; unknown fields refused."""
    kind = kind_of(kind_name)
    why = flags.reason(data.get(flags.SAVE_ANYWAY))
    data = {k: v for k, v in data.items() if k != flags.SAVE_ANYWAY}
    unknown = sorted(set(data) - kind.fields)
    if unknown:
        raise UnknownField(
            f"Unknown field {unknown[0][:40]!r} for a {kind.label}.",
            {name[:40]: "Not a field of this record type." for name in unknown[:10]},
        )
    return kind, why, data


async def upsert(
    ctx: Context,
    kind_name: str,
    record_id: uuid.UUID,
    data: Mapping[str, Any],
    base_version: int | None,
    *,
    hold_sharing: bool = False,
) -> Applied:
    """Create the record (``base_version`` None or 0) or change it (``base_version`` must be its
    current version, else :class:`Stale`: an existing record is never changed by a caller that
    did not say which version it saw). Fields missing from ``data`` keep their values.

    ``data`` may carry ``save_anyway`` (kexpwa.domain.flags): the owner saw the identifier
    warning and saved anyway. Identifiers never refuse a change, but sharing stays off while
    they are unresolved: :class:`~kexpwa.domain.errors.IdentifiersUnresolved`, or, with
    ``hold_sharing`` (the sync path) and new text, the change is applied with sharing off and
    ``sharing_held`` naming the fields."""
    _, why, data = accepted(kind_name, data)
    async with _opened(ctx, kind_name, record_id) as (kind, current, conn):
        if current is None:
            if base_version not in (None, 0):
                raise NotFound("That entry is no longer on the server.")
            check_single(kind, record_id, ctx)
            values = await kind.validate(data, None, ctx)
            plan = await flags.plan(kind, record_id, {}, flags.texts(kind, values.get), why, conn)
            held = flags.gate(kind, values, None, plan, hold_sharing)
            record = kind.model(id=record_id, owner_id=ctx.actor.id, version=1, **values)
            record.change_no = 0  # stamped last, below
            await record.save(using_db=conn, force_create=True)
            await flags.write(kind, record, plan, conn)
            await _record_sharing(kind, record, {}, ctx, conn)
            if kind.after_change is not None:
                await kind.after_change(record, None, conn)
            await tally.apply(conn, record.owner_id, (), tally.of(kind, record))
            await _stamp(kind, record, conn)
            return Applied(kind.name, record, created=True, sharing_held=tuple(held))
        if base_version != current.version:
            raise Stale(current, current.version)
        if current.deleted_at is not None:
            raise NotFound("That entry was deleted. Restore it first to change it.")
        values = await kind.validate(data, current, ctx)
        old_texts = flags.texts(kind, lambda name: getattr(current, name, None))
        new_texts = flags.texts(kind, lambda name: values.get(name, getattr(current, name, None)))
        plan = await flags.plan(kind, current.id, old_texts, new_texts, why, conn)
        held = flags.gate(kind, values, current, plan, hold_sharing)
        if all(getattr(current, name) == value for name, value in values.items()):
            await flags.write(kind, current, plan, conn)  # a "Save anyway" of the same text
            return Applied(kind.name, current)  # nothing changed: no new version
        sharing_before = {f: bool(getattr(current, f)) for f in kind.share_fields}
        before = kind.serialize(current)
        counted = tally.of(kind, current)
        await _keep_version(kind, current, before, conn)
        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        await current.save(using_db=conn)
        await flags.write(kind, current, plan, conn)
        await _record_sharing(kind, current, sharing_before, ctx, conn)
        if kind.after_change is not None:
            await kind.after_change(current, before, conn)
        await tally.apply(conn, current.owner_id, counted, tally.of(kind, current))
        await _stamp(kind, current, conn)
        if any(bool(getattr(current, f)) != was for f, was in sharing_before.items()):
            await _restamp_children(kind, current, conn)
        return Applied(kind.name, current, sharing_held=tuple(held))


async def _hold_references(kind: Kind, record: Record, conn: BaseDBAsyncClient) -> None:
    """Key-share lock the records this one points at (PostgreSQL), before the counter.

    PostgreSQL re-runs a foreign key's check when a row this transaction already wrote is
    updated again, as :func:`_stamp` does; that check key-share locks the project a note points
    at. Taken after the counter, it waited for a project being saved, whose writer waited for
    the counter: a deadlock. Taken here, first, the wait happens before the counter."""
    if conn.capabilities.dialect != "postgres":
        return  # SQLite has no row locks: one writer at a time
    for ref in kind.references:
        target = getattr(record, ref.field)
        if target is not None:
            table = ref.target._meta.db_table
            # The table name comes from the model, never from input; Tortoise has no
            # FOR KEY SHARE, and a stronger lock would block other notes of the project.
            sql = f'SELECT 1 FROM "{table}" WHERE id = $1 FOR KEY SHARE'  # noqa: S608
            await conn.execute_query(sql, [target])


async def _change_no(kind: Kind, record: Record, conn: BaseDBAsyncClient) -> int:
    await _hold_references(kind, record, conn)
    return await next_change_no(conn)


async def _stamp(kind: Kind, record: Record, conn: BaseDBAsyncClient) -> None:
    """Take the change number last. Every other lock of the change (the device's row on the
    sync path, the record's row, and key-share locks on the records it points at, see
    :func:`_hold_references`) is held already, so the counter is always the last lock a writer
    waits for and two writers cannot wait on each other."""
    record.change_no = await _change_no(kind, record, conn)
    await kind.model.filter(id=record.id).using_db(conn).update(change_no=record.change_no)


async def _restamp_children(kind: Kind, record: Record, conn: BaseDBAsyncClient) -> None:
    """Give the records that belong to this one (feedback) new change numbers: who may read
    them follows this record's sharing and deletion, so a pull must send them again (data, or
    a tombstone for a lead whose access was withdrawn). Called after :func:`_stamp`, holding
    the counter: child records are written only by their own domain function, which locks
    this record's row first, so no writer holds a child row while waiting for the counter."""
    for child in children_of(kind.name):
        parent = child.parent
        assert parent is not None
        where: dict[str, Any] = {parent.kind_field: kind.name, parent.id_field: record.id}
        ids = (
            await child.model.filter(**where)
            .using_db(conn)
            .order_by("change_no")
            .values_list("id", flat=True)
        )
        for child_id in ids:
            number = await next_change_no(conn)
            await child.model.filter(id=child_id).using_db(conn).update(change_no=number)


async def delete(ctx: Context, kind_name: str, record_id: uuid.UUID, base_version: int) -> Applied:
    """Soft-delete (a tombstone); ``base_version`` must be the record's current version.
    Deleting a deleted record again changes nothing."""
    async with _opened(ctx, kind_name, record_id) as (kind, current, conn):
        if current is None:
            raise NotFound()
        check_single(kind, record_id, ctx, deleting=True)
        if current.deleted_at is not None:
            return Applied(kind.name, current)
        if base_version != current.version:
            raise Stale(current, current.version)
        await _keep_version(kind, current, kind.serialize(current), conn)
        await tally.apply(conn, current.owner_id, tally.of(kind, current), ())
        current.deleted_at = datetime.now(UTC)
        current.version += 1
        current.change_no = await _change_no(kind, current, conn)
        await current.save(using_db=conn)
        await _restamp_children(kind, current, conn)
        return Applied(kind.name, current)


async def restore(ctx: Context, kind_name: str, record_id: uuid.UUID) -> Applied:
    """Undo a delete, within the undo period."""
    async with _opened(ctx, kind_name, record_id) as (kind, current, conn):
        if current is None:
            raise NotFound()
        if current.deleted_at is None:
            return Applied(kind.name, current)
        if datetime.now(UTC) - current.deleted_at > timedelta(days=ctx.undo_days):
            raise Gone(
                f"Deleted entries can be restored for {ctx.undo_days} days; this one is older."
            )
        current.deleted_at = None
        await tally.apply(conn, current.owner_id, (), tally.of(kind, current))
        current.version += 1
        current.change_no = await _change_no(kind, current, conn)
        await current.save(using_db=conn)
        await _restamp_children(kind, current, conn)
        return Applied(kind.name, current)


async def versions(ctx: Context, kind_name: str, record_id: uuid.UUID) -> list[RecordVersion]:
    """Earlier versions of one of the actor's records, newest first."""
    kind = kind_of(kind_name)
    record = await kind.model.get_or_none(id=record_id, owner_id=ctx.actor.id)
    if record is None:
        raise NotFound()
    return await RecordVersion.filter(kind=kind.name, record_id=record_id).order_by("-version")

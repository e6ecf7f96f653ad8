"""The one way a record changes. Form posts and the sync engine both call these functions.

Each change runs in a transaction on the bound authority: it locks the record, checks the
owner (someone else's record is simply "not found"), checks ``base_version`` (a stale base is
a conflict, never a silent overwrite), keeps the previous version, records sharing changes,
and stamps the record with the next number from the authority's change counter (the pull
cursor). Called inside an outer transaction, it becomes a savepoint of that transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import kinds
from kexpwa.domain.errors import Gone, Invalid, NotFound, Stale, UnknownField
from kexpwa.domain.kinds import Context, Kind
from kexpwa.models.records import RecordVersion, SharingChange


@dataclass(frozen=True)
class Applied:
    kind: str
    record: Any
    created: bool = False

    @property
    def version(self) -> int:
        return int(self.record.version)


def kind_of(name: str) -> Kind:
    kind = kinds.get(name)
    if kind is None:
        raise Invalid(f"Unknown record type {name[:40]!r}.")
    return kind


async def next_change_no(conn: BaseDBAsyncClient) -> int:
    """Take the next change number. The row lock is held until the caller's transaction ends,
    so numbers become visible in the order they were taken: a pull never skips one."""
    # execute_query_dict: the asyncpg backend's execute_query drops RETURNING rows of UPDATEs.
    rows = await conn.execute_query_dict(
        "UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value"
    )
    return int(rows[0]["value"])


async def _locked(kind: Kind, record_id: uuid.UUID, conn: BaseDBAsyncClient) -> Any:
    return await kind.model.filter(id=record_id).select_for_update().using_db(conn).first()


def _check_owner(record: Any, ctx: Context) -> None:
    if record is not None and record.owner_id != ctx.actor.id:
        raise NotFound()


async def _keep_version(kind: Kind, record: Any, conn: BaseDBAsyncClient) -> None:
    await RecordVersion.create(
        kind=kind.name,
        record_id=record.id,
        version=record.version,
        data=kind.serialize(record),
        using_db=conn,
    )


async def _record_sharing(
    kind: Kind, record: Any, before: Mapping[str, bool], ctx: Context, conn: BaseDBAsyncClient
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


async def upsert(
    ctx: Context,
    kind_name: str,
    record_id: uuid.UUID,
    data: Mapping[str, Any],
    base_version: int | None,
) -> Applied:
    """Create the record (``base_version`` None or 0) or change it (``base_version`` must be its
    current version). Fields missing from ``data`` keep their current values."""
    kind = kind_of(kind_name)
    unknown = sorted(set(data) - kind.fields)
    if unknown:
        raise UnknownField(
            f"Unknown field {unknown[0][:40]!r} for a {kind.label}.",
            {name[:40]: "Not a field of this record type." for name in unknown[:10]},
        )
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        current = await _locked(kind, record_id, conn)
        _check_owner(current, ctx)
        if current is None:
            if base_version not in (None, 0):
                raise NotFound("That entry is no longer on the server.")
            values = await kind.validate(data, None, ctx)
            record = kind.model(id=record_id, owner_id=ctx.actor.id, version=1, **values)
            record.change_no = 0  # stamped last, below
            await record.save(using_db=conn, force_create=True)
            await _record_sharing(kind, record, {}, ctx, conn)
            await _after(kind, record, None, conn)
            await _stamp(kind, record, conn)
            return Applied(kind.name, record, created=True)
        if base_version is not None and base_version != current.version:
            raise Stale(current, current.version)
        if current.deleted_at is not None:
            raise NotFound("That entry was deleted. Restore it first to change it.")
        values = await kind.validate(data, current, ctx)
        if all(getattr(current, name) == value for name, value in values.items()):
            return Applied(kind.name, current)  # nothing changed: no new version
        sharing_before = {f: bool(getattr(current, f)) for f in kind.share_fields}
        previous = {"stage": getattr(current, "stage", None)}
        previous["substep"] = getattr(current, "substep", None)
        await _keep_version(kind, current, conn)
        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        await current.save(using_db=conn)
        await _record_sharing(kind, current, sharing_before, ctx, conn)
        await _after(kind, current, previous, conn)
        await _stamp(kind, current, conn)
        return Applied(kind.name, current)


async def _stamp(kind: Kind, record: Any, conn: BaseDBAsyncClient) -> None:
    """Take the change number last. Every other lock of the change (the row, and the key
    share lock a foreign key to a project takes) is held already, so the counter is always
    the last lock a writer waits for and two writers cannot wait on each other."""
    record.change_no = await next_change_no(conn)
    await kind.model.filter(id=record.id).using_db(conn).update(change_no=record.change_no)


async def _after(
    kind: Kind, record: Any, previous: dict[str, Any] | None, conn: BaseDBAsyncClient
) -> None:
    if kind.name == "project":
        from kexpwa.domain.projects import after_change

        await after_change(record, previous, conn)


async def delete(
    ctx: Context, kind_name: str, record_id: uuid.UUID, base_version: int | None
) -> Applied:
    """Soft-delete (a tombstone). Deleting a deleted record again changes nothing."""
    kind = kind_of(kind_name)
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        current = await _locked(kind, record_id, conn)
        _check_owner(current, ctx)
        if current is None:
            raise NotFound()
        if current.deleted_at is not None:
            return Applied(kind.name, current)
        if base_version is not None and base_version != current.version:
            raise Stale(current, current.version)
        await _keep_version(kind, current, conn)
        current.deleted_at = datetime.now(UTC)
        current.version += 1
        current.change_no = await next_change_no(conn)
        await current.save(using_db=conn)
        return Applied(kind.name, current)


async def restore(ctx: Context, kind_name: str, record_id: uuid.UUID) -> Applied:
    """Undo a delete, within the undo period."""
    kind = kind_of(kind_name)
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        current = await _locked(kind, record_id, conn)
        _check_owner(current, ctx)
        if current is None:
            raise NotFound()
        if current.deleted_at is None:
            return Applied(kind.name, current)
        if datetime.now(UTC) - current.deleted_at > timedelta(days=ctx.undo_days):
            raise Gone(
                f"Deleted entries can be restored for {ctx.undo_days} days; this one is older."
            )
        current.deleted_at = None
        current.version += 1
        current.change_no = await next_change_no(conn)
        await current.save(using_db=conn)
        return Applied(kind.name, current)


async def versions(ctx: Context, kind_name: str, record_id: uuid.UUID) -> list[RecordVersion]:
    """Earlier versions of one of the actor's records, newest first."""
    kind = kind_of(kind_name)
    record = await kind.model.get_or_none(id=record_id, owner_id=ctx.actor.id)
    if record is None:
        raise NotFound()
    return await RecordVersion.filter(kind=kind.name, record_id=record_id).order_by("-version")

"""The one way a record changes. Form posts and the sync engine both call these functions.

Each change runs in a transaction on the bound authority: it locks the record, checks the
owner (someone else's record is simply "not found"), checks ``base_version`` (a stale base is
a conflict, never a silent overwrite), keeps the previous version, records sharing changes,
and stamps the record with the next number from the authority's change counter (the pull
cursor). Called inside an outer transaction, it becomes a savepoint of that transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from dataclasses import field as default
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import flags, tally
from kexpwa.domain.errors import Gone, NotFound, Stale, UnknownField
from kexpwa.domain.kinds import Context, Kind
from kexpwa.domain.registry import kind_of
from kexpwa.models.flags import IdentifierFlag
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


def _accepted(kind_name: str, data: Mapping[str, Any]) -> tuple[Kind, str | None, dict[str, Any]]:
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
    _, why, data = _accepted(kind_name, data)
    async with _opened(ctx, kind_name, record_id) as (kind, current, conn):
        if current is None:
            if base_version not in (None, 0):
                raise NotFound("That entry is no longer on the server.")
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


async def delete(ctx: Context, kind_name: str, record_id: uuid.UUID, base_version: int) -> Applied:
    """Soft-delete (a tombstone); ``base_version`` must be the record's current version.
    Deleting a deleted record again changes nothing."""
    async with _opened(ctx, kind_name, record_id) as (kind, current, conn):
        if current is None:
            raise NotFound()
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
        return Applied(kind.name, current)


async def versions(ctx: Context, kind_name: str, record_id: uuid.UUID) -> list[RecordVersion]:
    """Earlier versions of one of the actor's records, newest first."""
    kind = kind_of(kind_name)
    record = await kind.model.get_or_none(id=record_id, owner_id=ctx.actor.id)
    if record is None:
        raise NotFound()
    return await RecordVersion.filter(kind=kind.name, record_id=record_id).order_by("-version")


# --- many changes at once: sync pushes (and imports)

Key = tuple[str, uuid.UUID]  # (kind name, record id)


@dataclass
class _Pending:
    """What a batch has decided and not written yet."""

    written: dict[Key, tuple[Kind, Record, bool]] = default(default_factory=dict)  # bool: new
    ids: set[str] = default(default_factory=set)  # of the written records, as text
    touched: set[Key] = default(default_factory=set)  # written, or their flags changed
    versions: list[RecordVersion] = default(default_factory=list)
    sharing: list[SharingChange] = default(default_factory=list)
    flags_new: list[IdentifierFlag] = default(default_factory=list)
    flags_cleared: dict[str, list[uuid.UUID]] = default(default_factory=dict)
    flags_resolved: dict[tuple[str, str], list[uuid.UUID]] = default(default_factory=dict)
    tallies: dict[tally.Key, list[int]] = default(default_factory=dict)
    rows: list[Model] = default(default_factory=list)


class Batch:
    """Many changes by one actor inside the caller's transaction, written set-based.

    :meth:`upsert` and :meth:`delete` decide each change in the order they are called, with the
    same rules, results and errors as :func:`upsert` and :func:`delete`, against the records in
    memory (read once per kind by :meth:`load`, locked where the backend locks). A change that
    raises has changed nothing, so it needs no savepoint. Nothing is written until
    :meth:`flush`: bulk inserts of new records, previous versions, sharing changes, flags and
    the caller's own rows (:meth:`add`), each tally row once, then one range of change numbers,
    taken last (after the key-share locks on referenced records), numbering the changes in the
    order they were made, then the records themselves, inserted or updated in groups.

    A record changes at most once between flushes: changing it again, or pointing at a record
    the batch wrote, flushes first, so every rule reads the database exactly as one change at a
    time would. A kind with an ``after_change`` hook goes through :func:`upsert` after a flush.
    """

    def __init__(self, ctx: Context, conn: BaseDBAsyncClient) -> None:
        self.ctx = ctx
        self.conn = conn
        self._records: dict[Key, Record | None] = {}
        self._pending = _Pending()

    async def load(self, wanted: Iterable[Key]) -> None:
        """Read (and lock, in id order) every record in ``wanted`` not read yet, one query per
        kind."""
        by_kind: dict[str, set[uuid.UUID]] = {}
        for name, record_id in wanted:
            if (name, record_id) not in self._records:
                by_kind.setdefault(name, set()).add(record_id)
        for name in sorted(by_kind):
            ids = sorted(by_kind[name])
            query = kind_of(name).model.filter(id__in=ids).order_by("id").select_for_update()
            found = {record.id: record for record in await query.using_db(self.conn)}
            for record_id in ids:
                self._records[(name, record_id)] = found.get(record_id)

    def add(self, *rows: Model) -> None:
        """Rows of the caller's (a sync log row, a kept conflict), written by the next flush."""
        self._pending.rows.extend(rows)

    def forget(self, kind_name: str, record_id: uuid.UUID) -> None:
        """The record was changed outside the batch: read it again when next needed."""
        self._records.pop((kind_name, record_id), None)

    async def current(self, kind_name: str, record_id: uuid.UUID) -> Record:
        """The actor's record as the batch sees it now; :class:`NotFound` otherwise."""
        current = await self._open(kind_of(kind_name), record_id, {}, flush=False)
        if current is None:
            raise NotFound()
        return current

    async def _open(
        self, kind: Kind, record_id: uuid.UUID, data: Mapping[str, Any], *, flush: bool = True
    ) -> Record | None:
        key = (kind.name, record_id)
        if flush and (key in self._pending.touched or self._points_at_pending(data)):
            await self.flush()
        if key not in self._records:
            await self.load([key])
        current = self._records[key]
        if current is not None and current.owner_id != self.ctx.actor.id:
            raise NotFound()
        return current

    def _points_at_pending(self, data: Mapping[str, Any]) -> bool:
        # A reference is checked against the database, so what it names must be written.
        ids = self._pending.ids
        return bool(ids) and any(isinstance(v, str) and v.lower() in ids for v in data.values())

    async def upsert(
        self,
        kind_name: str,
        record_id: uuid.UUID,
        data: Mapping[str, Any],
        base_version: int | None,
        *,
        hold_sharing: bool = False,
    ) -> Applied:
        """As :func:`upsert`; written by :meth:`flush`."""
        if kind_of(kind_name).after_change is not None:
            await self.flush()
            self.forget(kind_name, record_id)
            try:
                return await upsert(
                    self.ctx, kind_name, record_id, data, base_version, hold_sharing=hold_sharing
                )
            finally:
                self.forget(kind_name, record_id)
        kind, why, data = _accepted(kind_name, data)
        current = await self._open(kind, record_id, data)
        if current is None:
            if base_version not in (None, 0):
                raise NotFound("That entry is no longer on the server.")
            values = await kind.validate(data, None, self.ctx)
            plan = await flags.plan(
                kind, record_id, {}, flags.texts(kind, values.get), why, self.conn
            )
            held = flags.gate(kind, values, None, plan, hold_sharing)
            record = kind.model(id=record_id, owner_id=self.ctx.actor.id, version=1, **values)
            self._changed(kind, record, plan, {}, (), True)
            return Applied(kind.name, record, created=True, sharing_held=tuple(held))
        if base_version != current.version:
            raise Stale(current, current.version)
        if current.deleted_at is not None:
            raise NotFound("That entry was deleted. Restore it first to change it.")
        values = await kind.validate(data, current, self.ctx)
        old_texts = flags.texts(kind, lambda name: getattr(current, name, None))
        new_texts = flags.texts(kind, lambda name: values.get(name, getattr(current, name, None)))
        plan = await flags.plan(kind, current.id, old_texts, new_texts, why, self.conn)
        held = flags.gate(kind, values, current, plan, hold_sharing)
        if all(getattr(current, name) == value for name, value in values.items()):
            self._flags(kind, current, plan)  # a "Save anyway" of the same text
            return Applied(kind.name, current)  # nothing changed: no new version
        sharing_before = {f: bool(getattr(current, f)) for f in kind.share_fields}
        counted = tally.of(kind, current)
        self._keep_version(kind, current)
        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        self._changed(kind, current, plan, sharing_before, counted, False)
        return Applied(kind.name, current, sharing_held=tuple(held))

    async def delete(self, kind_name: str, record_id: uuid.UUID, base_version: int) -> Applied:
        """As :func:`delete`; written by :meth:`flush`."""
        kind = kind_of(kind_name)
        current = await self._open(kind, record_id, {})
        if current is None:
            raise NotFound()
        if current.deleted_at is not None:
            return Applied(kind.name, current)
        if base_version != current.version:
            raise Stale(current, current.version)
        self._keep_version(kind, current)
        self._count(current.owner_id, tally.of(kind, current), ())
        current.deleted_at = datetime.now(UTC)
        current.version += 1
        self._written(kind, current, False)
        return Applied(kind.name, current)

    def _keep_version(self, kind: Kind, record: Record) -> None:
        self._pending.versions.append(
            RecordVersion(
                kind=kind.name,
                record_id=record.id,
                version=record.version,
                data=kind.serialize(record),
            )
        )

    def _changed(
        self,
        kind: Kind,
        record: Record,
        plan: flags.Plan,
        sharing_before: Mapping[str, bool],
        counted: tuple[tally.Entry, ...],
        created: bool,
    ) -> None:
        self._flags(kind, record, plan)
        for name, audience in kind.share_fields.items():
            now = bool(getattr(record, name))
            if now != sharing_before.get(name, False):
                self._pending.sharing.append(
                    SharingChange(
                        kind=kind.name,
                        record_id=record.id,
                        audience=audience,
                        shared=now,
                        actor_id=self.ctx.actor.id,
                    )
                )
        self._count(record.owner_id, counted, tally.of(kind, record))
        self._written(kind, record, created)

    def _flags(self, kind: Kind, record: Record, plan: flags.Plan) -> None:
        pending = self._pending
        if plan.texts_changed:
            pending.flags_cleared.setdefault(kind.name, []).append(record.id)
            pending.flags_new.extend(flags.rows(kind, record, plan))
        elif plan.reason is not None:
            pending.flags_resolved.setdefault((kind.name, plan.reason), []).append(record.id)
        else:
            return
        pending.touched.add((kind.name, record.id))

    def _count(
        self, owner_id: uuid.UUID, before: Iterable[tally.Entry], after: Iterable[tally.Entry]
    ) -> None:
        for key, (entries, minutes) in tally.delta(owner_id, before, after).items():
            total = self._pending.tallies.setdefault(key, [0, 0])
            total[0] += entries
            total[1] += minutes

    def _written(self, kind: Kind, record: Record, created: bool) -> None:
        key = (kind.name, record.id)
        self._records[key] = record
        self._pending.written[key] = (kind, record, created)
        self._pending.ids.add(str(record.id))
        self._pending.touched.add(key)

    async def flush(self) -> None:
        """Write everything decided since the last flush (see the class)."""
        pending, conn = self._pending, self.conn
        self._pending = _Pending()
        for name, ids in pending.flags_cleared.items():
            await IdentifierFlag.filter(record_kind=name, record_id__in=ids).using_db(conn).delete()
        for (name, why), ids in pending.flags_resolved.items():
            mine = IdentifierFlag.filter(record_kind=name, record_id__in=ids, resolved=None)
            await mine.using_db(conn).update(resolved=why)
        groups: dict[type[Model], list[Model]] = {}
        for row in (*pending.flags_new, *pending.versions, *pending.sharing, *pending.rows):
            groups.setdefault(type(row), []).append(row)
        for model, rows in groups.items():
            await model.bulk_create(rows, using_db=conn)
        await tally.write(conn, {k: (v[0], v[1]) for k, v in pending.tallies.items()})
        if not pending.written:
            return
        written = list(pending.written.values())
        await _hold_many(written, conn)
        last = await next_change_no(conn, len(written))
        for number, (_, record, _) in enumerate(written, start=last - len(written) + 1):
            record.change_no = number
        new: dict[type[Record], list[Record]] = {}
        changed: dict[type[Record], list[Record]] = {}
        for kind, record, created in written:
            (new if created else changed).setdefault(kind.model, []).append(record)
        for model, records in new.items():
            await model.bulk_create(records, using_db=conn)
        for model, records in changed.items():
            names = [n for n in model._meta.fields_db_projection if n not in _KEPT]
            await model.bulk_update(records, names, using_db=conn)


_KEPT = frozenset({"id", "owner_id", "created_at"})  # never changed by a change


async def _hold_many(written: list[tuple[Kind, Record, bool]], conn: BaseDBAsyncClient) -> None:
    """:func:`_hold_references` for a batch: one key-share lock query per referenced table."""
    if conn.capabilities.dialect != "postgres":
        return
    targets: dict[str, set[uuid.UUID]] = {}
    for kind, record, _ in written:
        for ref in kind.references:
            target = getattr(record, ref.field)
            if target is not None:
                targets.setdefault(ref.target._meta.db_table, set()).add(target)
    for table in sorted(targets):
        sql = f'SELECT 1 FROM "{table}" WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE'  # noqa: S608
        await conn.execute_query(sql, [sorted(targets[table])])

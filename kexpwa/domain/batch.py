"""Many changes by one actor at once, written set-based: the batch entry point of the one
change path (:mod:`kexpwa.domain.changes`), used by sync pushes (and any future import).

Each change is decided with the rules of :func:`changes.upsert` and :func:`changes.delete`,
in order, against the records in memory; see :class:`Batch`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as default
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from kexpwa.domain import bulkwrite, changes, flags, tally
from kexpwa.domain.changes import Applied, accepted, check_single, next_change_no, upsert
from kexpwa.domain.errors import NotFound, Stale
from kexpwa.domain.kinds import Context, Kind
from kexpwa.domain.registry import children_of, kind_of
from kexpwa.models.flags import IdentifierFlag
from kexpwa.models.records import Record, RecordVersion, SharingChange

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
    same rules, results and errors as the single-change functions of ``changes``, against the
    records in memory (read once per kind by :meth:`load`, locked where the backend locks). A
    change that raises has changed nothing, so it needs no savepoint. Nothing is written until
    :meth:`flush`: bulk inserts of new records, previous versions, sharing changes, flags and
    the caller's own rows (:meth:`add`), each tally row once, then one range of change numbers,
    taken last (after the key-share locks on referenced records), numbering the changes in the
    order they were made, then the records themselves, inserted or updated in groups.

    A record changes at most once between flushes: changing it again, or pointing at a record
    the batch wrote, flushes first, so every rule reads the database exactly as one change at a
    time would. A kind with an ``after_change`` hook goes through ``changes.upsert`` after a
    flush.
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
        """As :func:`changes.upsert`; written by :meth:`flush`."""
        if kind_of(kind_name).after_change is not None or await self._moves_children(
            kind_name, record_id, data
        ):
            await self.flush()
            self.forget(kind_name, record_id)
            try:
                return await upsert(
                    self.ctx, kind_name, record_id, data, base_version, hold_sharing=hold_sharing
                )
            finally:
                self.forget(kind_name, record_id)
        kind, why, data = accepted(kind_name, data)
        current = await self._open(kind, record_id, data)
        if current is None:
            if base_version not in (None, 0):
                raise NotFound("That entry is no longer on the server.")
            check_single(kind, record_id, self.ctx)
            values = await kind.validate(data, None, self.ctx)
            plan = await flags.plan(
                kind, record_id, {}, flags.texts(kind, values.get), why, self.conn
            )
            held = flags.gate(kind, values, None, plan, hold_sharing)
            owner = self.ctx.actor.id
            record = bulkwrite.build(kind.model, id=record_id, owner_id=owner, version=1, **values)
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
        """As :func:`changes.delete`; written by :meth:`flush`."""
        kind = kind_of(kind_name)
        if children_of(kind_name):  # its feedback is re-stamped: one at a time (deletes are few)
            await self.flush()
            self.forget(kind_name, record_id)
            try:
                return await changes.delete(self.ctx, kind_name, record_id, base_version)
            finally:
                self.forget(kind_name, record_id)
        current = await self._open(kind, record_id, {})
        if current is None:
            raise NotFound()
        check_single(kind, record_id, self.ctx, deleting=True)
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

    async def _moves_children(
        self, kind_name: str, record_id: uuid.UUID, data: Mapping[str, Any]
    ) -> bool:
        """Whether this change may change who reads the record's children (feedback follows
        its entry's sharing, and the change path re-stamps it then): such a change goes one at
        a time. A new record has no children; an edit whose sharing choices stay as they are
        changes nobody's access. Judged on the raw data, so any doubt goes one at a time."""
        kind = kind_of(kind_name)
        if not children_of(kind_name) or not set(kind.share_fields) & set(data):
            return False
        current = await self._open(kind, record_id, {}, flush=False)
        if current is None:
            return False
        return any(
            name in data and data[name] is not bool(getattr(current, name))
            for name in kind.share_fields
        )

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
        self._flags(kind, record, plan, created)
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

    def _flags(self, kind: Kind, record: Record, plan: flags.Plan, created: bool = False) -> None:
        pending = self._pending
        if plan.texts_changed:
            if not created:  # a new record has no flags yet (a purge deletes a record's flags)
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
            await bulkwrite.insert_many(model, rows, conn)
        await tally.write(conn, {k: (v[0], v[1]) for k, v in pending.tallies.items()})
        if not pending.written:
            return
        written = list(pending.written.values())
        await bulkwrite.hold_references([(k, r) for k, r, _ in written], conn)
        last = await next_change_no(conn, len(written))
        for number, (_, record, _) in enumerate(written, start=last - len(written) + 1):
            record.change_no = number
        new: dict[type[Record], list[Record]] = {}
        changed: dict[type[Record], list[Record]] = {}
        for kind, record, created in written:
            (new if created else changed).setdefault(kind.model, []).append(record)
        for model, records in new.items():
            await bulkwrite.insert_many(model, list(records), conn)
        for model, records in changed.items():
            await bulkwrite.update_many(model, records, conn)

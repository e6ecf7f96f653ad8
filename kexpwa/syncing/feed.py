"""The pull side on Tortoise: the changes a reader may see, in change-number order.

Which rows and what of them is decided by :mod:`kexpwa.domain.visibility`; this module only
pages through the record tables (every kind a pull carries: the owners' kinds and, read-only,
feedback) as if they were one, ordered by ``change_no``.
"""

from __future__ import annotations

import json
from typing import Any

from tortoise.queryset import QuerySet

from kexpwa.domain import registry, visibility
from kexpwa.domain.kinds import Kind
from kexpwa.domain.visibility import Reader
from kexpwa.models.records import Record
from kexpwa.models.sync import ChangeCounter
from sync.ports import Marks, Page

# A page also ends once its changes pass this many bytes of JSON (before gzip): a thousand
# long journal entries would otherwise make one answer of a hundred megabytes.
MAX_PAGE_BYTES = 4 * 1024 * 1024
_STAMPS = frozenset({"created_at", "updated_at"})


def _change(kind: Kind, record: Record, view: visibility.View) -> dict[str, Any]:
    change: dict[str, Any] = {
        "kind": kind.name,
        "record_id": str(record.id),
        "version": record.version,
        "deleted": view.deleted,
        "read_only": view.read_only,
        "data": view.data,
    }
    if view.read_only:
        change["owner_name"] = view.owner_name
    return change


class TortoiseFeed:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def scope(self) -> str:
        return self.reader.scope

    async def marks(self) -> Marks:
        counter = await ChangeCounter.get(id=1)
        return Marks(high=int(counter.value), purged_through=int(counter.purged_through))

    def _rows(self, kind: Kind, after: int, upto: int) -> QuerySet[Record]:
        where = visibility.candidates(self.reader, kind)
        return kind.model.filter(where, change_no__gt=after, change_no__lte=upto)

    def _records(self, kind: Kind, after: int, upto: int) -> QuerySet[Record]:
        """The rows a page sends, without the time stamps no change carries (reading them was a
        quarter of a pull's time: each is parsed from text on SQLite). Feedback sends its own
        ``created_at``."""
        query = self._rows(kind, after, upto)
        if kind.parent is not None:
            return query
        return query.only(*(n for n in kind.model._meta.fields_db_projection if n not in _STAMPS))

    async def page(self, after: int, upto: int, limit: int) -> Page:
        # First the numbers alone (cheap), to find where a page of ``limit`` rows ends across
        # the four tables; then the rows up to there.
        numbers: list[int] = []
        for kind in registry.synced_kinds():
            head = self._rows(kind, after, upto).order_by("change_no").limit(limit + 1)
            found: list[Any] = await head.values_list("change_no", flat=True)
            numbers.extend(found)
        if not numbers:
            return Page([], upto, has_more=False)
        numbers.sort()
        has_more = len(numbers) > limit
        last = numbers[min(limit, len(numbers)) - 1]
        rows: list[tuple[int, Kind, Record]] = []
        open_now: set[str] = set()
        for kind in registry.synced_kinds():
            found_rows = await self._records(kind, after, last)
            rows.extend((r.change_no, kind, r) for r in found_rows)
            if kind.parent is not None:  # whether its parent is readable now, in one query
                ids = [r.id for r in found_rows]
                open_now |= await visibility.readable_ids(self.reader, kind, ids)
        rows.sort(key=lambda row: row[0])
        changes: list[dict[str, Any]] = []
        size, previous = 0, after
        for number, kind, record in rows:
            if size > MAX_PAGE_BYTES:  # always at least one change, however large
                return Page(changes, previous, has_more=True)
            view = visibility.view(
                self.reader, kind, record, readable_now=str(record.id) in open_now
            )
            if view is not None:
                change = _change(kind, record, view)
                size += len(json.dumps(change, ensure_ascii=False))
                changes.append(change)
            previous = number
        return Page(changes, last, has_more)

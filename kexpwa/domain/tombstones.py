"""Purging tombstones once every device has had time to hear of them.

A deleted record stays as a tombstone (carried by sync pulls) for at least the offline horizon
(``offline_horizon_days``, default 90), long enough for a device that was away to learn of the
delete. After that it is removed for good, with its earlier versions, and the authority's
``purged_through`` mark is raised to its change number: a device whose pull cursor is older than
the mark may have missed the delete, so its next pull starts again from the beginning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import kinds
from kexpwa.models.records import JournalEntry, Note, RecordVersion, TimeEntry
from kexpwa.models.sync import ChangeCounter

BATCH = 500


@dataclass
class Purged:
    counts: dict[str, int] = field(default_factory=dict)
    purged_through: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def _still_referenced(kind_name: str, ids: list[Any], conn: BaseDBAsyncClient) -> set[Any]:
    """Ids another record still points at. Purging them would change that record (the
    reference would become null) without a new version, so they wait for a later purge."""
    if kind_name == "project":
        notes = Note.filter(project_id__in=ids).using_db(conn)
        times = TimeEntry.filter(project_id__in=ids).using_db(conn)
        found = await notes.values_list("project_id", flat=True)
        return set(found) | set(await times.values_list("project_id", flat=True))
    if kind_name == "journal":
        followups = JournalEntry.filter(source_id__in=ids).using_db(conn)
        return set(await followups.values_list("source_id", flat=True))
    return set()


async def purge(horizon_days: int, *, now: datetime | None = None) -> Purged:
    """Remove the bound authority's tombstones deleted more than ``horizon_days`` ago."""
    if horizon_days < 1:
        raise ValueError("the offline horizon must be at least one day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=horizon_days)
    result = Purged()
    highest = 0
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        # Records first, the counter last: the order every writer takes its locks in.
        # Projects last: notes and time entries purged in this run no longer hold them back.
        for kind in sorted(kinds.all_kinds(), key=lambda k: k.name == "project"):
            old = kind.model.filter(deleted_at__lt=cutoff).using_db(conn)
            candidates = await old.order_by("id").values_list("id", flat=True)
            count = 0
            for start in range(0, len(candidates), BATCH):
                chunk = list(candidates[start : start + BATCH])
                keep = await _still_referenced(kind.name, chunk, conn)
                chunk = [i for i in chunk if i not in keep]
                if not chunk:
                    continue
                gone = kind.model.filter(id__in=chunk).using_db(conn)
                numbers = await gone.values_list("change_no", flat=True)
                highest = max([highest, *(int(str(n)) for n in numbers)])
                await (
                    RecordVersion.filter(kind=kind.name, record_id__in=chunk)
                    .using_db(conn)
                    .delete()
                )
                count += await gone.count()  # delete() would count cascaded rows too
                await gone.delete()
            result.counts[kind.name] = count
        counter = await ChangeCounter.filter(id=1).select_for_update().using_db(conn).get()
        result.purged_through = max(int(counter.purged_through), highest)
        if result.purged_through > counter.purged_through:
            await (
                ChangeCounter.filter(id=1)
                .using_db(conn)
                .update(purged_through=result.purged_through)
            )
    return result

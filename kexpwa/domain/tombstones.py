"""Purging tombstones once every device has had time to hear of them.

A deleted record stays as a tombstone (carried by sync pulls) for at least the offline horizon
(``offline_horizon_days``, default 90), long enough for a device that was away to learn of the
delete. After that it is removed for good, with its earlier versions and identifier flags, and
the authority's ``purged_through`` mark is raised to its change number: a device whose pull
cursor is older than the mark may have missed the delete, so its next pull starts again from
the beginning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import registry
from kexpwa.domain.kinds import Kind
from kexpwa.models.flags import IdentifierFlag
from kexpwa.models.records import RecordVersion
from kexpwa.models.sync import ChangeCounter

BATCH = 500


@dataclass
class Purged:
    counts: dict[str, int] = field(default_factory=dict)
    purged_through: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def _still_referenced(kind: Kind, ids: list[Any], conn: BaseDBAsyncClient) -> set[Any]:
    """Ids another record still points at (through any kind's references). Purging them would
    change that record (the reference would become null) without a new version, so they wait
    for a later purge."""
    found: set[Any] = set()
    for other in registry.all_kinds():
        for ref in other.references:
            if ref.target is kind.model:
                pointing = other.model.filter(**{f"{ref.field}__in": ids}).using_db(conn)
                found.update(await pointing.values_list(ref.field, flat=True))
    return found


async def _purge_children(
    kind: Kind, ids: list[Any], result: Purged, conn: BaseDBAsyncClient
) -> int:
    """Remove the records that belonged to purged records (feedback on a purged entry: nobody
    reads it any more); the highest change number removed, for the purge mark."""
    highest = 0
    for child in registry.children_of(kind.name):
        parent = child.parent
        assert parent is not None
        where: dict[str, Any] = {parent.kind_field: kind.name, f"{parent.id_field}__in": ids}
        orphans = child.model.filter(**where).using_db(conn)
        numbers = await orphans.values_list("change_no", flat=True)
        if not numbers:
            continue
        highest = max(highest, *(int(str(n)) for n in numbers))
        result.counts[child.name] = result.counts.get(child.name, 0) + len(numbers)
        await orphans.delete()
    return highest


async def purge(horizon_days: int, *, now: datetime | None = None) -> Purged:
    """Remove the bound authority's tombstones deleted more than ``horizon_days`` ago."""
    if horizon_days < 1:
        raise ValueError("the offline horizon must be at least one day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=horizon_days)
    result = Purged()
    highest = 0
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        # Records first, the counter last: the order every writer takes its locks in.
        # Referenced kinds after the kinds pointing at them (projects after notes and time):
        # records purged earlier in this run no longer hold them back.
        for kind in registry.purge_order():
            old = kind.model.filter(deleted_at__lt=cutoff).using_db(conn)
            candidates = await old.order_by("id").values_list("id", flat=True)
            count = 0
            for start in range(0, len(candidates), BATCH):
                chunk = list(candidates[start : start + BATCH])
                keep = await _still_referenced(kind, chunk, conn)
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
                await (
                    IdentifierFlag.filter(record_kind=kind.name, record_id__in=chunk)
                    .using_db(conn)
                    .delete()
                )
                count += await gone.count()  # delete() would count cascaded rows too
                await gone.delete()
                highest = max(highest, await _purge_children(kind, chunk, result, conn))
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

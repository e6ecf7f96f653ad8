"""Retention of the sync bookkeeping: deleted text does not outlive the purge in the sync tables.

Two tables can hold a copy of what someone wrote: ``sync_conflict.payload`` (the losing side of
a conflict) and ``applied_mutation.result`` (a conflict's result carries the server's copy of the
record, and a rejection's message and field errors can quote input). :func:`scrub` removes
those copies by the same horizon as the tombstone purge:

- a conflict is deleted once its record is gone (purged), or once it was resolved longer ago
  than the horizon; an open conflict on a live record stays (its owner has not chosen yet);
- a mutation-log row keeps its ids, seq, status and version for ever (they make a resent
  mutation a ``duplicate`` instead of a second change, and chain later edits), but its result is
  cut down to those ids once the row is older than the horizon, or its record is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import registry
from kexpwa.models.sync import AppliedMutation, Conflict
from sync import errors

BATCH = 500
# What a result keeps after the scrub: ids and numbers, never text someone wrote.
KEPT = ("mutation_id", "status", "code", "record_id", "version", "conflict_id", "expected_seq")
WORDY = ("conflict", "rejected")  # the only statuses whose results carry text


@dataclass
class Scrubbed:
    conflicts_deleted: int = 0
    results_scrubbed: int = 0


def bare(result: dict[str, Any]) -> dict[str, Any]:
    """A mutation result with everything but its ids and numbers removed. A catalogue message
    (fixed words, no input) is put back so a resent mutation still reads sensibly."""
    kept = {key: result[key] for key in KEPT if key in result}
    code = kept.get("code")
    if isinstance(code, str) and code in errors.MUTATION:
        text = errors.MUTATION[code].message
        if "{" not in text:
            kept["message"] = text
    return kept


async def _existing(ids: set[Any], conn: BaseDBAsyncClient) -> set[str]:
    found: set[str] = set()
    listed = sorted(ids, key=str)
    for kind in registry.all_kinds():
        for start in range(0, len(listed), BATCH):
            chunk = listed[start : start + BATCH]
            query = kind.model.filter(id__in=chunk).using_db(conn)
            found.update(str(i) for i in await query.values_list("id", flat=True))
    return found


async def scrub(horizon_days: int, *, now: datetime | None = None) -> Scrubbed:
    """Remove deleted and old text from the bound authority's sync tables (see the module).
    Idempotent; run after :func:`kexpwa.domain.tombstones.purge` with the same horizon."""
    if horizon_days < 1:
        raise ValueError("the offline horizon must be at least one day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=horizon_days)
    done = Scrubbed()
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        conflicts = (
            await Conflict.all().using_db(conn).values_list("id", "record_id", "resolved_at")
        )
        rows = await (
            AppliedMutation.filter(status__in=WORDY)
            .using_db(conn)
            .values_list("mutation_id", "record_id", "status", "applied_at")
        )
        live = await _existing({r for _, r, _ in conflicts} | {r for _, r, _, _ in rows}, conn)
        gone = [
            cid
            for cid, record_id, resolved_at in conflicts
            if str(record_id) not in live or (resolved_at is not None and resolved_at < cutoff)
        ]
        for start in range(0, len(gone), BATCH):
            chunk = gone[start : start + BATCH]
            done.conflicts_deleted += await Conflict.filter(id__in=chunk).using_db(conn).delete()
        stale = [
            mid
            for mid, record_id, status, applied_at in rows
            if applied_at < cutoff or (status == "conflict" and str(record_id) not in live)
        ]
        for start in range(0, len(stale), BATCH):
            chunk = stale[start : start + BATCH]
            for row in await AppliedMutation.filter(mutation_id__in=chunk).using_db(conn):
                slim = bare(dict(row.result))
                if slim != row.result:
                    row.result = slim
                    await row.save(using_db=conn, update_fields=["result"])
                    done.results_scrubbed += 1
    return done

"""The ``purge`` job: what the offline horizon promises, for the bound authority.

Deleted entries older than the horizon are removed with their versions
(:mod:`kexpwa.domain.tombstones`), their copies in the sync tables are scrubbed
(:mod:`kexpwa.syncing.retention`), finished jobs and session records that ended or went
unused before the horizon are forgotten, and on SQLite the write-ahead
log is folded back and truncated so the old pages leave the disk too (``secure_delete`` has
already zeroed them in the database file; see :mod:`kexpwa.db`), and the query planner's
statistics are refreshed (:func:`kexpwa.db.refresh_statistics`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kexpwa import db
from kexpwa.auth import sessions
from kexpwa.domain import tombstones
from kexpwa.jobs import queue
from kexpwa.settings import Settings
from kexpwa.syncing import retention


async def purge(horizon_days: int, *, now: datetime | None = None) -> tombstones.Purged:
    """Purge the bound authority past ``horizon_days``; returns what the tombstone purge
    removed. Safe to run again at any time (a second run finds nothing)."""
    now = now or datetime.now(UTC)
    purged = await tombstones.purge(horizon_days, now=now)
    await retention.scrub(horizon_days, now=now)
    await queue.forget(now - timedelta(days=horizon_days))
    await sessions.purge(now - timedelta(days=horizon_days))
    await db.checkpoint()
    await db.refresh_statistics()
    return purged


async def handle(settings: Settings, payload: dict[str, Any]) -> None:
    """Job handler: the daily purge, with the deployment's offline horizon."""
    await purge(settings.offline_horizon_days)

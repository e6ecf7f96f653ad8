"""The job table of the bound authority: queue, claim, finish, fail.

Shaped after ODK Central's ``lib/worker``: a job is a row, and a worker claims it by marking it
``running`` in one atomic step, so two workers (threads, processes or machines) never run one
job at the same time. On PostgreSQL the claim locks the row with ``FOR UPDATE SKIP LOCKED``,
so workers pass over each other's rows instead of queueing behind them; on SQLite (and as a
second guard on PostgreSQL) the claim is a compare-and-set ``UPDATE ... WHERE status = ... AND
attempts = ...`` that only one worker's statement can match.

A job whose worker died is claimed again once its lease has run out, so handlers must be safe
to run twice in a row (the purge is). Payloads hold ids only: :func:`enqueue` refuses anything
else, so no personal data waits in the queue.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.models.jobs import DONE, FAILED, PENDING, RUNNING, Job

LEASE = timedelta(hours=1)  # a running job untouched this long belonged to a dead worker
BACKOFF = timedelta(seconds=30)  # after the first failure, doubled after each further one
BACKOFF_CAP = timedelta(hours=6)
MAX_ATTEMPTS = 5
CLAIM_TRIES = 10  # compare-and-set attempts before leaving the rest to the next pass


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _check_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Ids only: UUIDs as strings, whole numbers and booleans. Raises ValueError otherwise."""
    clean: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, str):
            try:
                value = str(uuid.UUID(value))
            except ValueError:
                raise ValueError(f"job payload {key!r}: only ids may be queued") from None
        elif not isinstance(value, (int, bool)) and value is not None:
            raise ValueError(f"job payload {key!r}: only ids may be queued")
        clean[str(key)] = value
    return clean


async def enqueue(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> Job | None:
    """Queue a job in the bound authority. With ``key``, a job of that key is queued once
    only, however many workers try: the second and later calls return None."""
    fields: dict[str, Any] = {
        "name": name,
        "payload": _check_payload(payload or {}),
        "key": key,
        "run_after": _now(run_after),
        "max_attempts": max_attempts,
    }
    if key is not None and await Job.filter(key=key).exists():
        return None
    try:
        return await Job.create(**fields)
    except IntegrityError:
        if key is None:
            raise
        return None  # another worker queued the same key a moment ago


def _due(now: datetime) -> Q:
    waiting = Q(status=PENDING, run_after__lte=now)
    abandoned = Q(status=RUNNING, claimed_at__lt=now - LEASE)
    return Q(waiting, abandoned, join_type="OR")


async def _take(job: Job, worker: str, now: datetime, conn: Any) -> bool:
    """Compare-and-set: mark ``job`` running for ``worker`` if nobody changed it since read."""
    if job.attempts >= job.max_attempts:  # a dead worker's last attempt
        await (
            Job.filter(id=job.id, status=job.status, attempts=job.attempts)
            .using_db(conn)
            .update(status=FAILED, last_error="LeaseExpired", finished_at=now)
        )
        return False
    taken = await (
        Job.filter(id=job.id, status=job.status, attempts=job.attempts)
        .using_db(conn)
        .update(status=RUNNING, claimed_at=now, claimed_by=worker, attempts=job.attempts + 1)
    )
    if taken == 1:
        job.status, job.claimed_at, job.claimed_by = RUNNING, now, worker
        job.attempts += 1
        return True
    return False


async def claim(worker: str, *, now: datetime | None = None) -> Job | None:
    """Claim the bound authority's next due job for ``worker``, or return None if there is
    none. No other worker can claim the same job until it fails or its lease runs out."""
    now = _now(now)
    conn = tenancy.connection()
    for _ in range(CLAIM_TRIES):
        # A read first: most polls find nothing, and a read takes no write lock on SQLite.
        if not await Job.filter(_due(now)).exists():
            return None
        if conn.capabilities.dialect == "postgres":
            async with in_transaction(tenancy.alias(tenancy.current())) as tx:
                query = Job.filter(_due(now)).order_by("run_after", "id").using_db(tx)
                job = await query.select_for_update(skip_locked=True).first()
                if job is None:
                    return None  # every due job is being claimed by someone else
                if await _take(job, worker, now, tx):
                    return job
        else:
            job = await Job.filter(_due(now)).order_by("run_after", "id").first()
            if job is None:
                return None
            if await _take(job, worker, now, conn):
                return job
    return None


async def finish(job: Job, *, now: datetime | None = None) -> None:
    """Mark a job this worker claimed as done."""
    await Job.filter(id=job.id, status=RUNNING, claimed_by=job.claimed_by).update(
        status=DONE, finished_at=_now(now), last_error=None
    )


def backoff(attempts: int) -> timedelta:
    """How long a job waits after its ``attempts``-th failure."""
    wait: timedelta = BACKOFF * 2 ** max(attempts - 1, 0)
    return min(wait, BACKOFF_CAP)


async def fail(
    job: Job,
    error: BaseException,
    *,
    now: datetime | None = None,
    not_before: timedelta | None = None,
) -> bool:
    """Record a failed attempt by its error class only (a message can quote personal data).
    The job is tried again after :func:`backoff` (or ``not_before``, if longer: a push
    service's ``Retry-After``), or marked failed after its last attempt.
    Returns True if it will be retried."""
    now = _now(now)
    retry = job.attempts < job.max_attempts
    changes: dict[str, Any] = {"last_error": type(error).__name__[:128]}
    if retry:
        wait = max(backoff(job.attempts), not_before or timedelta(0))
        changes.update(status=PENDING, run_after=now + wait, claimed_at=None)
    else:
        changes.update(status=FAILED, finished_at=now)
    await Job.filter(id=job.id, status=RUNNING, claimed_by=job.claimed_by).update(**changes)
    return retry


async def forget(before: datetime) -> int:
    """Delete done and failed jobs that finished before ``before``; returns how many."""
    return await Job.filter(status__in=(DONE, FAILED), finished_at__lt=before).delete()

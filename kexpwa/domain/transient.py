"""Database errors that go away when the whole transaction is tried again: a deadlock, a
serialisation failure, a lock that was not available, or SQLite's "database is locked".

The sync engine retries a unit that failed this way (kexpwa.syncing.store); a form post
retries its change with :func:`retried`. Only the outermost transaction may be retried: inside
one, the failed statement has already spoilt it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import OperationalError

T = TypeVar("T")
# PostgreSQL's SQLSTATE codes: class 40 (transaction rollback: serialisation failure, deadlock
# detected) and 55P03 (lock not available). Read from the driver's exception, whichever it is.
TRANSIENT_CLASS = "40"
LOCK_NOT_AVAILABLE = "55P03"
ATTEMPTS = 4


def _sqlstate(exc: BaseException | None) -> str:
    return str(getattr(exc, "sqlstate", "") or "")


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error it wraps) means "roll back and try again"."""
    for error in (exc, exc.__cause__):
        state = _sqlstate(error)
        if state.startswith(TRANSIENT_CLASS) or state == LOCK_NOT_AVAILABLE:
            return True
    return isinstance(exc, OperationalError) and "locked" in str(exc)


async def retried(change: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Run ``change`` (which opens and commits its own transaction), again after a short
    random pause each time it fails transiently; the last failure is raised as it is."""
    for attempt in range(1, attempts + 1):
        try:
            return await change()
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
        await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")

"""Sign-in throttling per account and per client address (sliding window, in process memory).

The policy built on it is in :mod:`kexpwa.auth.signin`: an address is paused strictly; an
account's pause only holds back addresses that have failed recently, so a stranger who knows a
username cannot lock its owner out.

Each uvicorn process keeps its own window, so with N processes an attacker gets at most N times
the limit; the audit trail still records every failure. Kept in memory so that a flood of
failures never turns into a flood of database writes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Throttle:
    def __init__(
        self, max_failures: int, window_seconds: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        bucket = self._failures.get(key)
        if bucket is None:
            return deque()
        while bucket and now - bucket[0] > self.window:
            bucket.popleft()
        if not bucket:
            del self._failures[key]
        return bucket

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for all ``keys`` (0: allowed now)."""
        wait = 0.0
        for key in keys:
            bucket = self._recent(key)
            if len(bucket) >= self.max_failures:
                wait = max(wait, self.window - (self.clock() - bucket[0]))
        return int(wait) + (1 if wait else 0)

    def count(self, key: str) -> int:
        """Failures recorded for ``key`` within the window."""
        return len(self._recent(key))

    def fail(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of usernames
                self._failures.pop(next(iter(self._failures)))

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)

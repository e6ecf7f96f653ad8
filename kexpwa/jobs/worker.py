"""The worker loop: visits each authority in turn, claims its due jobs and runs them bound to
that authority only (a job never crosses councils).

``kexpwa worker`` runs :meth:`Worker.run` until SIGTERM; ``kexpwa worker --once`` and the tests
use :meth:`Worker.drain`; the web process can run the same loop in the background
(``KEXPWA_INPROCESS_WORKER``, see :func:`inprocess`). Any number of workers may run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.jobs import queue
from kexpwa.jobs.registry import HANDLERS, Handler
from kexpwa.models.jobs import Job
from kexpwa.push import scheduler as push_scheduler
from kexpwa.settings import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
DAILY = ("purge",)  # queued once a day per authority, whoever's worker gets there first
# How often the scheduler loop looks for due reminders (kexpwa.push.scheduler); each is
# queued once however many workers look.
REMIND_EVERY = timedelta(minutes=5)


class UnknownJob(LookupError):
    """A queued job names no handler (queued by a newer version, or a typo)."""


class Worker:
    """Runs queued jobs with ``handlers`` ({job name: handler}; default: every registered
    job). A handler gets the settings and the job's payload, with the job's authority bound."""

    def __init__(
        self,
        settings: Settings,
        slugs: Iterable[str],
        handlers: Mapping[str, Handler] | None = None,
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        if handlers is None:
            handlers = HANDLERS
        self.settings = settings
        self.slugs = tuple(slugs)
        self.handlers = dict(handlers)
        self.poll_seconds = poll_seconds
        # Names a job row by its worker without a person's name: host, pid and a random tag.
        self.name = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._scheduled: dict[str, date] = {}
        self._reminded: dict[str, datetime] = {}

    async def schedule(self, now: datetime | None = None) -> None:
        """Queue today's daily jobs in every authority (once a day, across all workers)."""
        now = now or datetime.now(UTC)
        for slug in tenancy.each(self.slugs):
            if self._scheduled.get(slug) == now.date():
                continue
            for name in DAILY:
                if name in self.handlers:
                    await queue.enqueue(name, key=f"{name}:{now.date().isoformat()}")
            self._scheduled[slug] = now.date()
        if "push.send" in self.handlers:
            await self.remind(now)

    async def remind(self, now: datetime) -> None:
        """The scheduler loop's pass: queue the reminders due now in every authority (at most
        every REMIND_EVERY per worker; a time earlier than the last pass, in tests, runs)."""
        for slug in tenancy.each(self.slugs):
            last = self._reminded.get(slug)
            if last is not None and last <= now < last + REMIND_EVERY:
                continue
            self._reminded[slug] = now
            await push_scheduler.run(self.settings, now)

    async def _run(self, slug: str, job: Job, now: datetime | None) -> None:
        handler = self.handlers.get(job.name)
        try:
            if handler is None:
                raise UnknownJob()
            await handler(self.settings, dict(job.payload))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, UnknownJob) or getattr(exc, "final", False):
                job.attempts = job.max_attempts  # no point trying again
            wait = getattr(exc, "retry_after", None)  # a push service's Retry-After
            retry = await queue.fail(job, exc, now=now, not_before=wait)
            # The class name only: a message or traceback can quote what a person wrote.
            log.warning(
                "job %s %s in %s failed (%s), attempt %d of %d%s",
                job.id, job.name, slug, type(exc).__name__, job.attempts, job.max_attempts,
                ", will retry" if retry else ", giving up",
            )  # fmt: skip
            return
        await queue.finish(job, now=now)

    async def run_one(self, now: datetime | None = None) -> int:
        """One pass: at most one due job from each authority, each bound to its own
        authority. Returns how many jobs ran."""
        ran = 0
        for slug in tenancy.each(self.slugs):
            job = await queue.claim(self.name, now=now)
            if job is not None:
                await self._run(slug, job, now)
                ran += 1
        return ran

    async def drain(self, now: datetime | None = None, *, schedule: bool = True) -> int:
        """Run due jobs until no authority has one; returns how many ran."""
        if schedule:
            await self.schedule(now)
        total = 0
        while ran := await self.run_one(now):
            total += ran
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; a job in progress is finished first."""
        while not stop.is_set():
            try:
                await self.schedule()
                while not stop.is_set() and await self.run_one():
                    pass
            except Exception as exc:  # a database away for a moment must not end the loop
                log.warning("worker pass failed (%s); trying again", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)


def inprocess_enabled(settings: Settings, cfg: Config) -> bool:
    """Whether the web process runs the worker: the setting, or by default only when the
    authorities use SQLite (the embedded deployment has no separate worker process)."""
    if settings.inprocess_worker is not None:
        return bool(settings.inprocess_worker)
    return all(a.scheme == "sqlite" for a in cfg.authorities)


@contextlib.asynccontextmanager
async def inprocess(settings: Settings, cfg: Config) -> AsyncIterator[None]:
    """Run the worker loop in the background for the duration of the block, if enabled.
    Must run inside :func:`kexpwa.db.open_databases`."""
    if not inprocess_enabled(settings, cfg):
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(settings, cfg.slugs).run(stop), name="kexpwa-worker")
    try:
        yield
    finally:
        stop.set()
        await task

"""Background jobs: claimed from each authority's own job table, run once however many workers
race for them, retried with backoff and then given up, and always bound to their authority."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kexpwa import db, tenancy
from kexpwa.config import Config
from kexpwa.jobs import purge, queue
from kexpwa.jobs.worker import Worker, inprocess_enabled
from kexpwa.models.jobs import DONE, FAILED, PENDING, Job
from kexpwa.settings import Settings
from tests.servers import KexpwaServer

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Boom(Exception):
    """A handler's failure whose message quotes what a person wrote."""


async def test_two_workers_racing_never_run_a_job_twice(cfg: Config, settings: Settings) -> None:
    """Two workers, each with connections of its own (two aiosqlite connections to one file, or
    two PostgreSQL pools), drain one queue at the same time."""
    ran: list[tuple[int, str]] = []

    async def record(settings: Settings, payload: dict[str, Any]) -> None:
        await asyncio.sleep(0)  # let the other worker in between claim and finish
        ran.append((payload["n"], tenancy.current()))

    async with db.open_databases(cfg):
        with tenancy.bound("edinburgh"):
            for n in range(40):
                await queue.enqueue("record", {"n": n})

    async def work() -> int:
        async with db.open_databases(cfg, global_fallback=False):
            return await Worker(settings, cfg.slugs, {"record": record}).drain(schedule=False)

    counts = await asyncio.gather(work(), work())
    assert sorted(n for n, _ in ran) == list(range(40)), "a job ran twice or not at all"
    assert sum(counts) == 40
    assert {slug for _, slug in ran} == {"edinburgh"}
    async with db.open_databases(cfg):
        with tenancy.bound("edinburgh"):
            assert await Job.filter(status=DONE).count() == 40
            assert not await Job.exclude(status=DONE).exists()


async def test_a_failing_job_is_retried_with_backoff_then_marked_failed(
    dbs: Config, settings: Settings
) -> None:
    calls = []

    async def fails(settings: Settings, payload: dict[str, Any]) -> None:
        calls.append(payload)
        raise Boom("Visit to Robin Example at 12 Any Street")

    worker = Worker(settings, dbs.slugs, {"fails": fails})
    with tenancy.bound("edinburgh"):
        job = await queue.enqueue("fails", {"note_id": uuid.uuid4()}, run_after=T0, max_attempts=3)
        assert job is not None
    assert await worker.drain(T0, schedule=False) == 1
    with tenancy.bound("edinburgh"):
        row = await Job.get(id=job.id)
    assert (row.status, row.attempts, row.last_error) == (PENDING, 1, "Boom")
    assert row.run_after == T0 + queue.backoff(1)
    assert await worker.drain(T0 + timedelta(seconds=1), schedule=False) == 0  # backing off
    assert await worker.drain(row.run_after, schedule=False) == 1
    with tenancy.bound("edinburgh"):
        row = await Job.get(id=job.id)
    assert row.run_after == T0 + queue.backoff(1) + queue.backoff(2) > T0 + queue.backoff(1) * 2
    assert await worker.drain(row.run_after, schedule=False) == 1
    assert await worker.drain(row.run_after + timedelta(days=30), schedule=False) == 0
    assert len(calls) == 3
    with tenancy.bound("edinburgh"):
        row = await Job.get(id=job.id)
        values = await Job.filter(id=job.id).values()
    assert (row.status, row.attempts, row.last_error) == (FAILED, 3, "Boom")
    assert "Robin" not in repr(values)  # the error's class is kept, never its message


async def test_a_job_runs_bound_to_its_own_authority_only(dbs: Config, settings: Settings) -> None:
    seen: list[tuple[str, str, int]] = []

    async def where(settings: Settings, payload: dict[str, Any]) -> None:
        # Inside the handler, even the job table is the bound authority's own.
        mine = await Job.filter(payload={"record_id": payload["record_id"]}).count()
        seen.append((tenancy.current(), payload["record_id"], mine))

    ids = {"edinburgh": str(uuid.uuid4()), "east-lothian": str(uuid.uuid4())}
    for slug in tenancy.each(dbs.slugs):
        await queue.enqueue("where", {"record_id": ids[slug]})
    assert await Worker(settings, dbs.slugs, {"where": where}).drain(schedule=False) == 2
    assert sorted(seen) == sorted((slug, rid, 1) for slug, rid in ids.items())


async def test_payloads_hold_ids_only(dbs: Config) -> None:
    with tenancy.bound("edinburgh"):
        for payload in ({"title": "Visit to Robin"}, {"note": {"id": 1}}, {"when": 1.5}):
            with pytest.raises(ValueError, match="only ids"):
                await queue.enqueue("purge", payload)
        assert not await Job.exists()


async def test_an_unknown_job_fails_at_once(dbs: Config, settings: Settings) -> None:
    with tenancy.bound("east-lothian"):
        job = await queue.enqueue("from-a-newer-version")
        assert job is not None
    assert await Worker(settings, dbs.slugs, {}).drain(schedule=False) == 1
    with tenancy.bound("east-lothian"):
        row = await Job.get(id=job.id)
    assert (row.status, row.attempts, row.last_error) == (FAILED, 1, "UnknownJob")


async def test_the_daily_purge_is_queued_once_per_authority_and_day(
    dbs: Config, settings: Settings
) -> None:
    first, second = Worker(settings, dbs.slugs), Worker(settings, dbs.slugs)
    await first.schedule(T0)
    await second.schedule(T0 + timedelta(hours=3))
    await first.schedule(T0 + timedelta(days=1))
    for slug in tenancy.each(dbs.slugs):
        keys = await Job.all().order_by("id").values_list("key", flat=True)
        assert keys == ["purge:2026-11-20", "purge:2026-11-21"], slug


def test_the_web_process_runs_the_worker_for_sqlite_unless_told(settings: Settings) -> None:
    from kexpwa import config as config_module
    from kexpwa import settings as settings_module

    data = config_module.demo_data(Path("data"))
    sqlite = config_module.parse(data)
    for item in data["authority"]:  # type: ignore[union-attr]
        item["url"] = f"postgres://kexpwa@db.example/{item['slug'].replace('-', '_')}"
    postgres = config_module.parse(data)
    auto = settings_module.load({})
    assert inprocess_enabled(auto, sqlite) and not inprocess_enabled(auto, postgres)
    on = settings_module.load({"KEXPWA_INPROCESS_WORKER": "true"})
    off = settings_module.load({"KEXPWA_INPROCESS_WORKER": "false"})
    assert inprocess_enabled(on, postgres) and not inprocess_enabled(off, sqlite)


async def _status(cfg: Config, job_id: int) -> str:
    async with db.open_databases(cfg, global_fallback=False):
        with tenancy.bound("edinburgh"):
            return str((await Job.get(id=job_id)).status)


async def test_the_web_process_runs_queued_jobs(cfg: Config, backend: str, tmp_path: Path) -> None:
    """A real server (uvicorn): on SQLite by default, on PostgreSQL when the setting says so."""
    async with db.open_databases(cfg, global_fallback=False):
        with tenancy.bound("edinburgh"):
            job = await queue.enqueue("purge")
            assert job is not None
    extra = {"inprocess_worker": "true"} if backend == "postgres" else {}
    with KexpwaServer(tmp_path, **extra) as server:
        deadline = time.monotonic() + 60
        while await _status(cfg, job.id) != DONE and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert await _status(cfg, job.id) == DONE, server.log_text()
    assert "Traceback" not in server.log_text()


def _kexpwa(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_")}
    env["KEXPWA_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "kexpwa", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


async def test_queue_a_purge_and_run_it_with_the_worker_command(
    cfg: Config, tmp_path: Path
) -> None:
    queued = _kexpwa(tmp_path, "purge-tombstones", "--queue", "--authority", "east-lothian")
    assert queued.returncode == 0, queued.stderr
    assert queued.stdout.strip() == "east-lothian: purge queued for the worker"
    ran = _kexpwa(tmp_path, "worker", "--once")
    assert ran.returncode == 0, ran.stderr
    # The queued purge, and today's scheduled purge in each of the two authorities.
    assert ran.stdout.strip() == "kexpwa worker ran 3 job(s)"
    async with db.open_databases(cfg):
        for slug in tenancy.each(cfg.slugs):
            statuses = await Job.all().values_list("status", flat=True)
            assert statuses and set(statuses) == {DONE}, slug
    again = _kexpwa(tmp_path, "worker", "--once")
    assert again.stdout.strip() == "kexpwa worker ran 0 job(s)"


async def test_the_daily_purge_leaves_fresh_planner_statistics_on_sqlite(
    dbs: Config, backend: str, settings: Settings
) -> None:
    """Without statistics SQLite takes every index as equally selective and picks slow plans
    for a lead's unread counts; the daily purge refreshes them (PostgreSQL's autovacuum does
    its own, so there it only has to run cleanly)."""
    with tenancy.bound("edinburgh"):
        for n in range(3):
            await queue.enqueue("purge", {"n": n})
        conn = tenancy.connection()
        if backend == "sqlite":
            await conn.execute_script("DROP TABLE IF EXISTS sqlite_stat1")
        await purge.handle(settings, {})
        if backend == "sqlite":
            rows = await conn.execute_query_dict("SELECT tbl, stat FROM sqlite_stat1")
            assert {"tbl": "job", "stat": "3"} in [
                {"tbl": r["tbl"], "stat": str(r["stat"]).split()[0]} for r in rows
            ], rows

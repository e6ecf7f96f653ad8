"""The research export (kexpwa.export) at 10,000 and 100,000 entries across two authorities, on
SQLite and on PostgreSQL (databases made for the run and dropped after).

Each measurement runs in a child process of its own, so its peak RSS (``ru_maxrss``) is that
export's alone:

- ``baseline``: the same rows read in the same batches (``.values()`` by id), nothing written;
- ``csv_json``: the rows read through the research rule and formatted as CSV and JSON Lines
  (the writers' output is discarded): the issue's target is 50,000 rows/s or more;
- ``zip``: the whole streamed ZIP (CSV, JSON Lines, XLSX in constant-memory mode, codebook,
  manifest), its bytes discarded as they come.

``rows_per_s`` is rows / seconds; ``ratio_*`` is baseline time / that phase's time. The
streaming claim is ``rss_ratio_100k_10k`` (peak RSS of the ``zip`` child at 100k / at 10k): the
target is under 1.2.

    KEXPWA_BENCH_EXPORT_SIZES=2000,20000 python -m bench export   # smaller, on a busy machine
    KEXPWA_BENCH_EXPORT_BACKENDS=sqlite python -m bench export     # one backend
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import bench_identifiers, harness, sync_deploy
from bench.harness import Budget

SIZES = (10_000, 100_000)
# Of every 100 entries: 40 notes and 20 journal entries shared for research, 38 time entries
# and 2 projects of people who said yes to research participation.
MIX = (("note", 40), ("journal", 20), ("time", 38), ("project", 2))


def _sizes() -> list[int]:
    raw = os.environ.get("KEXPWA_BENCH_EXPORT_SIZES", "")
    return sorted(int(s) for s in raw.split(",") if s.strip()) or list(SIZES)


async def _seed(config_path: str, rows: int) -> None:
    from kexpwa import config as config_module
    from kexpwa import db, tenancy
    from kexpwa.domain import participation
    from kexpwa.models.account import User
    from kexpwa.models.consent import Participation
    from kexpwa.models.records import JournalEntry, Note, Project, TimeEntry
    from kexpwa.settings import DEFAULT_ACTIVITIES

    cfg = config_module.load(Path(config_path))
    bodies = [bench_identifiers.entry(400, seed) for seed in range(50)]
    rng = random.Random(rows)
    start = date(2026, 1, 5)
    async with db.open_databases(cfg):
        share = rows // len(cfg.slugs)
        for slug in tenancy.each(cfg.slugs):
            owners = list(await User.all().values_list("id", flat=True))
            for n, owner in enumerate(owners):
                await Participation.get_or_create(
                    id=participation.record_id(owner),
                    defaults={
                        "owner_id": owner,
                        "change_no": share + n + 1,
                        "time_and_projects": True,
                    },
                )
            made: dict[str, list[Any]] = {kind: [] for kind, _ in MIX}
            for i in range(share):
                at = i % 100
                owner = owners[i % len(owners)]
                day = start + timedelta(days=rng.randrange(300))
                common = {"id": uuid.uuid4(), "owner_id": owner, "change_no": i + 1}
                if at < 40:
                    made["note"].append(
                        Note(
                            **common,
                            date=day,
                            title=f"Visit {i}",
                            body=bodies[i % 50],
                            share_research=True,
                            tags=["Reflective practice"],
                        )
                    )
                elif at < 60:
                    made["journal"].append(
                        JournalEntry(
                            **common,
                            date=day,
                            template="gibbs",
                            title=f"R {i}",
                            sections={"description": bodies[i % 50], "feelings": "ok"},
                            share_research=True,
                        )
                    )
                elif at < 98:
                    made["time"].append(
                        TimeEntry(
                            **common,
                            date=day,
                            minutes=rng.randrange(5, 240),
                            activity=DEFAULT_ACTIVITIES[i % 7],
                            own_time=i % 3 == 0,
                        )
                    )
                else:
                    made["project"].append(Project(**common, title=f"P {i}", stage="do"))
            for model, objs in (
                (Note, made["note"]),
                (JournalEntry, made["journal"]),
                (TimeEntry, made["time"]),
                (Project, made["project"]),
            ):
                await model.bulk_create(objs, batch_size=1000)  # type: ignore[attr-defined]
            print(slug, {k: len(v) for k, v in made.items()}, file=sys.stderr)


async def _measure(config_path: str, mode: str) -> dict[str, Any]:
    from kexpwa import config as config_module
    from kexpwa import db, tenancy
    from kexpwa.domain import registry
    from kexpwa.export import build, log, rows
    from kexpwa.export import plan as plans
    from kexpwa.export.columns import BY_KIND
    from kexpwa.export.writers import CsvRows, JsonRows
    from kexpwa.settings import DEFAULT_ACTIVITIES, DEFAULT_CPL_TAGS

    cfg = config_module.load(Path(config_path))
    async with db.open_databases(cfg):
        plan = plans.plan({a.slug: a.name for a in cfg.authorities}, dates="exact")
        found = await build.sources(plan, log.councils(cfg))
        count = 0
        size = 0
        t0 = time.perf_counter()
        if mode == "baseline":
            for slug in cfg.slugs:
                for kind in plan.types:
                    model = registry.kind_of(kind).model
                    last: Any = None
                    while True:
                        with tenancy.bound(slug):
                            query = model.all()
                            if last is not None:
                                query = query.filter(id__gt=last)
                            got = await query.order_by("id").limit(rows.CHUNK).values()
                        if not got:
                            break
                        last = got[-1]["id"]
                        count += len(got)
        elif mode == "csv_json":
            sink = open(os.devnull, "wb")
            for src in found:
                for kind in plan.types:
                    columns = BY_KIND[kind].for_profile(True)
                    as_csv, as_json = CsvRows(columns), JsonRows(columns, sink)
                    async for batch in rows.batches(plan, src, kind):
                        for row in batch:
                            as_csv.add(row)
                            as_json.add(row)
                        size += len(as_csv.drain())
                        count += len(batch)
            sink.close()
        else:

            async def finish(result: build.Result) -> None:
                nonlocal count
                count = sum(result.rows().values())

            async for chunk in build.stream(
                plan,
                found,
                activities=DEFAULT_ACTIVITIES,
                cpl_tags=DEFAULT_CPL_TAGS,
                finish=finish,
            ):
                size += len(chunk)
        seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": count, "seconds": round(seconds, 3), "bytes": size, "peak_rss_mib":
            round(peak_kib / 1024, 1)}  # fmt: skip


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_export", *args],
        cwd=harness.ROOT,
        env=harness.clean_env(),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench export {args} failed:\n{out.stderr}")
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


async def _pg_reachable() -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(sync_deploy._pg_server("postgres"), timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    result: dict[str, Any] = {
        "name": "export",
        "description": "research export: rows/s and peak RSS at two sizes, both backends",
        "budget": asdict(budget),
    }
    sizes = _sizes()
    backends = os.environ.get("KEXPWA_BENCH_EXPORT_BACKENDS", "sqlite,postgres").split(",")
    for backend in backends:
        if backend == "postgres" and not asyncio.run(_pg_reachable()):
            result["postgres"] = {"skipped": "PostgreSQL not reachable"}
            continue
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            with sync_deploy.deployment(backend, folder):
                config = str(folder / "kexpwa.toml")
                seeded = 0
                peaks: dict[int, float] = {}
                for size in sizes:
                    _child("seed", config, str(size - seeded))
                    seeded = size
                    base = _child("measure", config, "baseline")
                    line: dict[str, Any] = {"rows": base["rows"]}
                    for mode in ("csv_json", "zip"):
                        m = _child("measure", config, mode)
                        line[f"{mode}_rows_per_s"] = round(m["rows"] / m["seconds"])
                        line[f"{mode}_ratio"] = round(base["seconds"] / m["seconds"], 3)
                        line[f"{mode}_peak_rss_mib"] = m["peak_rss_mib"]
                    line["baseline_rows_per_s"] = round(base["rows"] / base["seconds"])
                    peaks[size] = line["zip_peak_rss_mib"]
                    result[f"{backend}_{size}"] = line
                if len(sizes) > 1:
                    result[f"{backend}_rss"] = {
                        "rss_ratio_100k_10k": round(peaks[sizes[-1]] / peaks[sizes[0]], 3)
                    }
    return result


def _main(argv: list[str]) -> None:
    if argv[0] == "seed":
        asyncio.run(_seed(argv[1], int(argv[2])))
        print("{}")
    else:
        print(json.dumps(asyncio.run(_measure(argv[1], argv[2]))))


if __name__ == "__main__":
    _main(sys.argv[1:])

"""The team lead's pages under load: a team of 30 practitioners with 50,000 notes and journal
entries and 20,000 time entries, on SQLite and on PostgreSQL. p50/p95 of the overview
(``/team``), the charts and the shared-entries list, each as a ratio to the signed-in home
page in the same run (target: p95 under 3x).

The entries are written in bulk, as the change path would write them, then the weekly tallies
are rebuilt from them exactly as migration 0007 does for existing data
(``kexpwa.domain.tally.rebuild``).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from bench import harness, sync_deploy
from bench.bench_home import sign_in
from bench.bench_lists import _get
from bench.harness import Budget
from kexpwa import accounts, db, tenancy
from kexpwa.demo import DEMO_PASSWORD
from kexpwa.domain import days, tally
from kexpwa.models.account import Role, User
from kexpwa.models.reading import ReadMark
from kexpwa.models.records import JournalEntry, Note, TimeEntry
from kexpwa.settings import DEFAULT_ACTIVITIES

AUTHORITY = "edinburgh"
TEAM = "Leith Children and Families"  # the demo team lee leads (pat and sam are in it)
PRACTITIONERS = 30
NOTES_AND_JOURNAL = 50_000
TIME_ENTRIES = 20_000
PAGES = (("home", "/"), ("overview", "/team"), ("charts", "/team/charts"))
PAGES += (("shared", "/team/shared"), ("shared_search", "/team/shared?q=visit&type=note"))


async def _take(conn: Any, count: int, postgres: bool) -> range:
    mark = "$1" if postgres else "?"
    rows = await conn.execute_query_dict(
        f"UPDATE change_counter SET value = value + {mark} WHERE id = 1 RETURNING value",  # noqa: S608
        [count],
    )
    last = int(rows[0]["value"])
    return range(last - count + 1, last + 1)


async def _seed(dep: sync_deploy.Deployment) -> dict[str, int]:
    async with db.open_databases(dep.config):
        with tenancy.bound(AUTHORITY):
            for n in range(PRACTITIONERS - 2):  # pat and sam are there already
                await accounts.add_user(
                    username=f"bench{n}", password=DEMO_PASSWORD, role=Role.PRACTITIONER,
                    team=TEAM, display_name=f"Bench Practitioner {n:02d}",
                )  # fmt: skip
            owners = list(
                await User.filter(team__name=TEAM, role=Role.PRACTITIONER).values_list(
                    "id", flat=True
                )
            )
            lead = await User.get(username="lee")
            today = days.today()
            postgres = dep.backend == "postgres"
            async with in_transaction(tenancy.alias(AUTHORITY)) as conn:
                numbers = iter(await _take(conn, NOTES_AND_JOURNAL + TIME_ENTRIES, postgres))
                notes, journal, times = [], [], []
                for i in range(NOTES_AND_JOURNAL):
                    owner = owners[i % len(owners)]
                    day = today - timedelta(days=(i // len(owners)) % 730)
                    shared = i % 5 < 2
                    if i % 2:
                        notes.append(
                            Note(
                                id=uuid.uuid4(), owner_id=owner, date=day, time="10:00",
                                title=f"Home visit {i}", body="Met the family at home. " * 10,
                                tags=[], tag_text="", share_lead=shared, version=1,
                                change_no=next(numbers),
                            )
                        )  # fmt: skip
                    else:
                        journal.append(
                            JournalEntry(
                                id=uuid.uuid4(), owner_id=owner, date=day, template="gibbs",
                                title=f"Reflection {i}", sections={"description": "A visit."},
                                search_text="A visit.", tags=[], tag_text="", share_lead=shared,
                                version=1, change_no=next(numbers),
                            )
                        )  # fmt: skip
                for i in range(TIME_ENTRIES):
                    times.append(
                        TimeEntry(
                            id=uuid.uuid4(), owner_id=owners[i % len(owners)],
                            date=today - timedelta(days=(i // len(owners)) % 365),
                            minutes=15 + (i % 8) * 15,
                            activity=DEFAULT_ACTIVITIES[i % len(DEFAULT_ACTIVITIES)],
                            own_time=i % 3 == 0, note="Reading", version=1,
                            change_no=next(numbers),
                        )
                    )  # fmt: skip
                await Note.bulk_create(notes, batch_size=1000, using_db=conn)
                await JournalEntry.bulk_create(journal, batch_size=1000, using_db=conn)
                await TimeEntry.bulk_create(times, batch_size=1000, using_db=conn)
                marks = [
                    ReadMark(reader_id=lead.id, kind="note", record_id=note.id)
                    for note in notes[:500]
                    if note.share_lead
                ]
                await ReadMark.bulk_create(marks, batch_size=1000, using_db=conn)
                await tally.rebuild(conn)
            # The planner's statistics as a running deployment has them: on SQLite as the
            # daily purge job leaves them, on PostgreSQL as autovacuum's autoanalyze does.
            if postgres:
                async with in_transaction(tenancy.alias(AUTHORITY)) as conn:
                    await conn.execute_script("ANALYZE")
            else:
                await db.refresh_statistics()
    return {"practitioners": len(owners), "notes": len(notes), "journal": len(journal)} | {
        "time": len(times)
    }


async def _measure(dep: sync_deploy.Deployment, budget: Budget) -> dict[str, harness.Measurement]:
    measured = {}
    with harness.uvicorn_server("kexpwa.app:asgi", factory=True, env=dep.env) as base:
        async with harness.client(base, budget.workers) as http:
            await sign_in(http, AUTHORITY, "lee")
            for name, path in PAGES:
                response = await http.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
                measured[name] = await harness.load(http, _get(path), budget)
    return measured


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    sections: dict[str, Any] = {}
    targets: dict[str, bool] = {}
    for backend in ("sqlite", "postgres"):
        short = backend[:2]
        with tempfile.TemporaryDirectory(prefix="kexpwa-bench-team-") as folder:
            with sync_deploy.deployment(backend, Path(folder)) as dep:
                sections[f"{short}_data"] = asyncio.run(_seed(dep))
                measured = asyncio.run(_measure(dep, budget))
        home = measured["home"]
        sections[f"{short}_home"] = home.as_dict()
        for name, _ in PAGES[1:]:
            ratios = harness.compare(measured[name], home)
            sections[f"{short}_{name}"] = {
                "p50_ms": measured[name].p50_ms,
                "p95_ms": measured[name].p95_ms,
                "errors": measured[name].errors,
                **{f"{k}_vs_home": v for k, v in ratios.items()},
            }
            targets[f"{short}_{name}_p95_under_3x"] = ratios["p95"] < 3
    return harness.result(
        "team",
        f"GET /team, /team/charts, /team/shared as the lead of {PRACTITIONERS} practitioners "
        f"with {NOTES_AND_JOURNAL:,} notes and journal entries and {TIME_ENTRIES:,} time "
        "entries, vs GET / in the same run; SQLite (sq) and PostgreSQL (po)",
        budget,
        **sections,
        targets=targets,
    )

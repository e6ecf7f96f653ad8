"""List pages under load: the notes list and the time page for a practitioner with 5,000
notes and 5,000 time entries, against the home page in the same run; and the number of SQL
queries each list page costs, for 10 entries and for 5,000 (it must not grow: no N+1).

Render times come from a real uvicorn serving a fresh SQLite deployment (``kexpwa init`` and
``demo``, then the entries added straight into edinburgh's database). The query counts come
from the app in-process, counting every statement sent on the authority's connection while
one request runs.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any

import httpx2
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from bench import harness
from bench.bench_home import sign_in
from bench.harness import Budget
from kexpwa import config as config_module
from kexpwa import db, tenancy
from kexpwa import settings as settings_module
from kexpwa.app import create_app
from kexpwa.domain import days
from kexpwa.models.account import User
from kexpwa.models.records import Note, TimeEntry
from kexpwa.settings import DEFAULT_ACTIVITIES, DEFAULT_CPL_TAGS

AUTHORITY = "edinburgh"
MANY = ("pat", 5_000)  # the loaded practitioner
FEW = ("sam", 10)  # the same pages with a handful of entries
LIST_PAGES = ("/notes", "/time", "/journal", "/projects")
EXECUTE = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)


@contextmanager
def count_queries(conn: BaseDBAsyncClient) -> Iterator[list[str]]:
    """Record every statement sent on ``conn`` while the block runs (a Tortoise-level hook:
    the connection's execute methods are wrapped, then restored)."""
    seen: list[str] = []
    depth = [0]  # a method calling another on the same connection counts once
    originals = {name: getattr(conn, name) for name in EXECUTE}

    def wrap(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @wraps(method)
        async def counted(query: str, *args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                seen.append(" ".join(query.split())[:120])
            depth[0] += 1
            try:
                return await method(query, *args, **kwargs)
            finally:
                depth[0] -= 1

        return counted

    for name, method in originals.items():
        setattr(conn, name, wrap(method))
    try:
        yield seen
    finally:
        for name in originals:
            delattr(conn, name)  # the class's own method shows through again


async def _take_change_numbers(conn: BaseDBAsyncClient, count: int) -> range:
    # SQLite's placeholder; the bench runs on SQLite (see harness.kexpwa_data_dir).
    rows = await conn.execute_query_dict(
        "UPDATE change_counter SET value = value + ? WHERE id = 1 RETURNING value", [count]
    )
    last = int(rows[0]["value"])
    return range(last - count + 1, last + 1)


async def add_entries(user: User, count: int) -> None:
    """``count`` notes and ``count`` time entries for ``user``, spread over the past years.
    Written in bulk (the change path would take minutes); the rows are what it would write."""
    today = days.today()
    async with in_transaction(tenancy.alias(AUTHORITY)) as conn:
        numbers = iter(await _take_change_numbers(conn, 2 * count))
        notes, times = [], []
        for i in range(count):
            day = today - timedelta(days=i // 6)
            tags = [DEFAULT_CPL_TAGS[i % len(DEFAULT_CPL_TAGS)]]
            notes.append(
                Note(
                    id=uuid.uuid4(), owner_id=user.id, date=day, time=f"{9 + i % 8:02d}:00",
                    title=f"Visit note {i}", body="Met the family at home. " * 12,
                    tags=tags, tag_text=f"|{tags[0]}|", version=1, change_no=next(numbers),
                )
            )  # fmt: skip
            times.append(
                TimeEntry(
                    id=uuid.uuid4(), owner_id=user.id, date=day, minutes=15 + (i % 8) * 15,
                    activity=DEFAULT_ACTIVITIES[i % len(DEFAULT_ACTIVITIES)],
                    own_time=i % 3 == 0, note="Reading", version=1, change_no=next(numbers),
                )
            )  # fmt: skip
        await Note.bulk_create(notes, batch_size=500, using_db=conn)
        await TimeEntry.bulk_create(times, batch_size=500, using_db=conn)


async def _seed(folder: Path) -> None:
    cfg = config_module.load(folder / "kexpwa.toml")
    async with db.open_databases(cfg):
        with tenancy.bound(AUTHORITY):
            for username, count in (MANY, FEW):
                user = await User.get(username=username)
                have = await Note.filter(owner_id=user.id).count()
                await add_entries(user, max(0, count - have))


async def _query_counts(folder: Path) -> dict[str, int]:
    settings = settings_module.load({"KEXPWA_DATA_DIR": str(folder)})
    cfg = config_module.load(settings.config)
    app = create_app(settings, cfg)
    counts: dict[str, int] = {}
    async with db.open_databases(cfg):
        for username, entries in (FEW, MANY):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
                await sign_in(http, AUTHORITY, username)
                conn = get_connection(tenancy.alias(AUTHORITY))
                for path in (*LIST_PAGES, "/notes?q=visit&page=3", "/"):
                    with count_queries(conn) as seen:
                        response = await http.get(path)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} as {username}: {response.status_code}")
                    counts[f"{path} with {entries}"] = len(seen)
    return counts


def _get(path: str) -> harness.Request:
    async def get(http: httpx2.AsyncClient) -> httpx2.Response:
        return await http.get(path)

    return get


async def _measure(env: dict[str, str], budget: Budget) -> dict[str, harness.Measurement]:
    measured = {}
    with harness.uvicorn_server("kexpwa.app:asgi", factory=True, env=env) as base:
        async with harness.client(base, budget.workers) as http:
            await sign_in(http, AUTHORITY, MANY[0])
            for name, path in (("home", "/"), ("notes", "/notes"), ("time", "/time")):
                measured[name] = await harness.load(http, _get(path), budget)
    return measured


def _grows(counts: dict[str, int]) -> dict[str, int]:
    """Queries with 5,000 entries minus queries with 10, per page (0 everywhere is the goal)."""
    many, few = f" with {MANY[1]}", f" with {FEW[1]}"
    pages = [key.removesuffix(many) for key in counts if key.endswith(many)]
    return {page: counts[page + many] - counts[page + few] for page in pages}


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    with tempfile.TemporaryDirectory(prefix="kexpwa-bench-") as name:
        folder = Path(name)
        env = harness.kexpwa_data_dir(folder)
        asyncio.run(_seed(folder))
        counts = asyncio.run(_query_counts(folder))
        measured = asyncio.run(_measure(env, budget))
    notes = harness.compare(measured["notes"], measured["home"])
    time_page = harness.compare(measured["time"], measured["home"])
    growth = _grows(counts)
    return harness.result(
        "lists",
        f"GET /notes and /time for edinburgh/pat with {MANY[1]:,} notes and {MANY[1]:,} time "
        "entries vs GET / in the same run (SQLite); SQL queries per page, 10 vs 5,000 entries",
        budget,
        home=measured["home"].as_dict(),
        notes=measured["notes"].as_dict(),
        time=measured["time"].as_dict(),
        notes_vs_home=notes,
        time_vs_home=time_page,
        queries=counts,
        query_growth=growth,
        targets={
            "notes_p50_p95_within_2x": notes["p50"] <= 2 and notes["p95"] <= 2,
            "time_p50_p95_within_2x": time_page["p50"] <= 2 and time_page["p95"] <= 2,
            "queries_constant": all(extra == 0 for extra in growth.values()),
        },
    )

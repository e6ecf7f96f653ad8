"""Each list page costs the same number of SQL queries whatever the number of entries (no
N+1), counted with the same hook the list bench uses (bench/bench_lists.py)."""

from __future__ import annotations

from tortoise.connection import get_connection

from bench.bench_lists import count_queries
from kexpwa import tenancy
from tests.capture_helpers import Person, days_ago, sign_in
from tests.conftest import Client
from tests.support import UserFactory

PAGES = ("/", "/notes", "/notes?page=2", "/time", "/journal", "/projects", "/notes?q=visit")


async def _add(pat: Person, count: int, project_id: str) -> None:
    for i in range(count):
        await pat.make("note", title=f"Visit {i}", date=days_ago(i), project_id=project_id)
        await pat.make("time", date=days_ago(i), project_id=project_id)
        await pat.make("journal", title=f"Reflection {i}", date=days_ago(i))


async def _counts(client: Client) -> dict[str, int]:
    conn = get_connection(tenancy.alias("edinburgh"))
    counts = {}
    for path in PAGES:
        with count_queries(conn) as seen:
            response = await client.get(path)
        assert response.status_code == 200, path
        counts[path] = len(seen)
    return counts


async def test_list_pages_do_not_grow_with_entries(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    project = await pat.make("project", title="Kinship")
    await _add(pat, 2, str(project.id))
    few = await _counts(client)
    await _add(pat, 30, str(project.id))
    many = await _counts(client)
    assert many == few
    assert min(few.values()) >= 2  # the hook saw the queries (at least the user and a page)
    assert few["/notes"] <= 5 and few["/time"] <= 6  # user, projects, count, page (+ totals)

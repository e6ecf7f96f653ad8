"""Generated requests for every route in the route table, as every role and signed out, on
SQLite and PostgreSQL: whatever arrives (odd methods, content types, bytes in every field,
query parameter and header), nothing answers 5xx.

The generator is seeded per route and role, so a failure names a request that replays the same
way, and adding a route does not change the requests the others get. Field and parameter names
come from the route table and from what the views read (``form.get("...")``,
``query_params.get("...")``), so new ones are covered without touching this file. Every
signed-in request carries the session's CSRF token (as the header, or as the form field), so
the checks behind CSRF are reached too.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.routing import Route

from kexpwa import accounts
from kexpwa.models.account import Role
from tests import support, sync_junk
from tests.fuzz_requests import ALLOWED_TRIES, OTHER_TRIES, STATIC, Case, Generator
from tests.support import UserFactory
from tests.sync_support import Device, note_data
from tests.test_route_access import walk


@dataclass
class Session:
    role: str
    client: httpx2.AsyncClient
    token: str = ""


def _browser(app: Starlette, address: str) -> httpx2.AsyncClient:
    """A browser at an address of its own (the sign-in throttle counts per address) that is
    answered 500 where the app fails, instead of the test seeing the exception."""
    transport = httpx2.ASGITransport(app=app, client=(address, 50000), raise_app_exceptions=False)
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


async def _people(
    app: Starlette, users: UserFactory
) -> tuple[list[Session], list[tuple[str, str]]]:
    """A browser per role (and one signed out), and the practitioner's records to aim at, each
    with the path its area's routes start with."""
    made = {
        "practitioner": await users("edinburgh", "pat", team="Team A"),
        "team_lead": await users("edinburgh", "lee", role=Role.TEAM_LEAD, team="Team A"),
        "admin": await users("edinburgh", "ada", role=Role.ADMIN, team=None),
        "research": ("research", "rowan", support.PASSWORD),
    }
    await accounts.add_research_account(username="rowan", password=support.PASSWORD)
    sessions = [Session("signed out", _browser(app, "192.0.2.1"))]
    for n, (role, who) in enumerate(made.items(), start=2):
        browser = _browser(app, f"192.0.2.{n}")
        assert (await support.sign_in(browser, who)).status_code == 303
        token = (await browser.get("/api/session")).json()["csrf"]
        sessions.append(Session(role, browser, token))
    device = Device(sessions[1].client, sessions[1].token)
    ids = [uuid.uuid4() for _ in range(5)]
    pushed = await device.push(
        device.make("project.upsert", record_id=ids[0], data=sync_junk.VALID["project"]),
        device.make(record_id=ids[1], data=note_data(share_lead=True, project_id=str(ids[0]))),
        device.make("journal.upsert", record_id=ids[2], data=sync_junk.VALID["journal"]),
        device.make("time.upsert", record_id=ids[3], data=sync_junk.VALID["time"]),
        device.make(record_id=ids[4]),
        device.make("note.delete", record_id=ids[4], base_version=1),
    )
    assert {r["status"] for r in pushed["results"]} == {"applied"}
    prefixes = ["/projects", "/notes", "/journal", "/time", "/notes"]
    return sessions, [(p, str(i)) for p, i in zip(prefixes, ids, strict=True)]


async def _afresh(
    app: Starlette, route: Route, generator: Generator, cases: Iterator[Case]
) -> AsyncIterator[Case]:
    """The cases, each sign-in attempt from a new browser at a new address, with its token."""
    for n in itertools.count():
        browser = None
        if route.name == "login_submit":
            browser = _browser(app, f"198.51.100.{n % 250}")
            generator.token = await support.csrf(browser)
        case = next(cases, None)
        if case is None:
            if browser is not None:
                await browser.aclose()
            return
        case.browser = browser
        yield case


async def _send(client: httpx2.AsyncClient, case: Case) -> httpx2.Response:
    return await client.request(case.method, case.path, headers=case.headers, content=case.body)


def _plans(walked: Any, sessions: list[Session], ids: list[tuple[str, str]]) -> Iterator[Any]:
    """(session, generator, cases) for one route: random requests as every role, and the
    sweeps as the first role that may use it."""
    route, swept = walked.route, False
    for session in sessions:
        if route.name == "login_submit" and session.role != "signed out":
            continue  # signing in is tried signed out, each time from an address of its own
        access = walked.access
        allowed = access.public or any(r.value == session.role for r in access.roles)
        generator = Generator(f"{walked.label}:{session.role}", ids, session.token)
        tries = ALLOWED_TRIES if allowed else OTHER_TRIES
        yield session, generator, generator.random_cases(walked.path, route, tries)
        if allowed and not swept:
            swept = True
            yield session, generator, generator.sweep(walked.path, route)
            if walked.path.startswith("/sync/") and "POST" in (route.methods or ()):
                yield session, generator, generator.json_sweep()


async def test_no_generated_request_gets_a_5xx(
    app: Starlette, users: UserFactory, backend: str
) -> None:
    sessions, ids = await _people(app, users)
    failures: list[str] = []
    sent = 0
    routes = [w for w in walk(app.routes) if isinstance(w.route, Route)]
    # Signing out ends the session the later requests need, so it goes last.
    routes.sort(key=lambda w: w.route.name == "logout")
    try:
        for walked in routes:
            assert walked.access is not None, walked.label
            for session, generator, cases in _plans(walked, sessions, ids):
                async for case in _afresh(app, walked.route, generator, cases):
                    response = await _send(case.browser or session.client, case)
                    sent += 1
                    if case.browser is not None:
                        await case.browser.aclose()
                    if response.status_code >= 500:
                        failures.append(f"{session.role}: {case.label()} -> {response.status_code}")
        for path in STATIC:
            for method in ("GET", "HEAD", "POST"):
                response = await _send(sessions[0].client, Case(method, path))
                if response.status_code >= 500:
                    failures.append(f"signed out: {method} {path[:80]} -> {response.status_code}")
    finally:
        for session in sessions:
            await session.client.aclose()
    assert sent > 1200
    assert failures == [], f"{len(failures)} of {sent}:\n" + "\n".join(failures[:40])

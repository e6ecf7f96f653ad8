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

import collections
import itertools
import json
import random
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import httpx2
from starlette.applications import Starlette
from starlette.convertors import UUIDConvertor
from starlette.routing import Route

from kexpwa import accounts
from kexpwa.models.account import Role
from kexpwa.views import forms
from tests import support, sync_junk
from tests.support import UserFactory
from tests.sync_support import Device, note_data
from tests.test_route_access import walk

STATS: collections.Counter = collections.Counter()
SEED = 20261129
ALLOWED_TRIES = 6  # requests per route for a role that may use it
OTHER_TRIES = 1  # for a role that may not (the guard answers, but it must answer well)
KEXPWA = Path(__file__).resolve().parents[1] / "kexpwa"
READS = re.compile(r"""(?:form|params|query_params)(?:\.get|\.getlist)?[(\[]\s*["']([\w.]+)["']""")
NAMES = sorted(
    {n for p in KEXPWA.rglob("*.py") for n in READS.findall(p.read_text())}
    | {n for kind in forms.TEXT for n in (*forms.TEXT[kind], *forms.FLAGS[kind])}
    | {"tags", "sections.feelings", "sections.x", "version", "id", "csrf_token", "minutes"}
)
# One of each kind of trouble: NUL, lone surrogates, bytes that are not UTF-8, digits int()
# or isdigit() read differently, numbers past every column, text past every limit, dates and
# times that do not exist, UUIDs in odd spellings, and markup.
ODD: list[str | bytes] = [
    "", "\x00", "pat\x00", "a\ud800", b"\xff\xfe", "²", "①", "\uff11\uff10", "9" * 5000,
    "1e309", "-1", "2147483648", "9223372036854775808", "x" * 70_000, "[]", "%zz", "\r\n",
    "🦀" * 300, "2026-02-30", "9999-12-31", "0001-01-01", "25:00", "24h 01", "<script>x</script>",
    str(uuid.UUID(int=0)), "\uff10" * 32, "12345678-1234-1234-1234-12345678901\x00",
    "{12345678-1234-1234-1234-123456789012}",
]  # fmt: skip
# Fields whose bad value ends a request at its first check: odd in a third of the sweep and
# left out of the rest, so that the checks after them meet every value too.
GATES = {"id", "version", "from", "cursor", "limit"}
PLAUSIBLE = ["Home visit", "2026-11-20", "09:30", "1", "2", "true", "do", "gibbs", "1h 30",
             "Reflection group", "Juggling", "resolved", "200"]  # fmt: skip
HEADERS: dict[str, list[bytes]] = {
    "accept": [b"application/json", b"text/html", b"*/*", b"\xff", b"", b"application/json;q=x"],
    "accept-encoding": [b"gzip", b"br;q=2", b"gzip;q=NaN", b"\xff" * 20, b"identity;q=0"],
    "hx-request": [b"true", b"\xff", b"false"],
    "hx-target": [b"list", b"\xff\x00", b"x" * 5000],
    "hx-current-url": [b"http://testserver/notes?q=\xff", b"::", b""],
    "hx-history-restore-request": [b"true"],
    "if-none-match": [b"*", b'W/"\xff"', b"x" * 5000],
    "if-modified-since": [b"garbage", b"Mon, 32 Foo 99999 99:99:99 GMT"],
    "range": [b"bytes=9999999999999999999999-", b"bytes=-0", b"bytes=5-1", b"bytes=\xff"],
    "x-forwarded-for": [b"\xff", b"1.2.3.4, ::1, x", b"999.999.999.999"],
    "x-csrf-token": [b"\xff", b"", b"x" * 5000],
    "host": [b"\xff", b"evil.example:99999", b"", b"[::1", b"a" * 300, b"testserver:0"],
}
# Only the signed-out browser sends these: a cookie header replaces the browser's session.
COOKIES = [
    b"kexpwa_session=\xff",
    b"kexpwa_session=" + b"A" * 5000,
    b"=;;=",
    b"kexpwa_session=a.b.c",
]
CONTENT_TYPES: list[bytes] = [
    b"application/json", b"application/x-www-form-urlencoded", b"multipart/form-data",
    b"multipart/form-data; boundary=", b"text/plain", b"application/json; charset=latin-1",
    b"\xff", b"application/x-www-form-urlencoded; charset=utf-16",
]  # fmt: skip
JSON_ODD: list[Any] = [None, True, 1.5, -1, 0, 2**64, -(2**63), [], {}, [None], {"a": "\x00"}]
MUTATION_SLOTS = ("mutation_id", "record_id", "kind", "client_time", "base_mutation_id", "seq",
                  "base_version", "resolves", "data")  # fmt: skip
TEXT_SLOTS = {"client_id", "m.mutation_id", "m.record_id", "m.kind", "m.client_time",
              "m.base_mutation_id", "data.title", "key"}  # fmt: skip
OTHER_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]
STATIC = ["/static/js/sync.js", "/static/%00", "/static/..%2f..%2fkexpwa%2fapp.py", "/static/",
          "/static/" + "a" * 5000, "/static/js/sync.js?v=%ED%A0%80",
          "/static/%ED%A0%80"]  # fmt: skip


def _enc(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw, safe="")


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


@dataclass
class Case:
    method: str
    path: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes | None = None
    fields: dict[str, str] = field(default_factory=dict)  # the form's fields, for the report
    browser: httpx2.AsyncClient | None = None  # a browser of its own (signing in)

    note: str = ""  # what a sweep set

    def label(self) -> str:
        shown = {k: v[:20] for k, v in self.fields.items()}
        return f"{self.method} {self.path[:100]} {self.note} {self.headers!r:.120} {shown!r:.120}"


class Generator:
    def __init__(self, label: str, ids: list[tuple[str, str]], token: str) -> None:
        self.rng = random.Random(f"{SEED}:{label}")
        self.ids = ids
        self.token = token

    def value(self) -> str | bytes:
        # Mostly odd, but plausible often enough that the checks after the first one run.
        plausible = [*PLAUSIBLE, *(i for _, i in self.ids)]
        return self.rng.choice(ODD if self.rng.random() < 0.6 else plausible)

    def pairs(self, most: int) -> list[tuple[str, str | bytes]]:
        names = self.rng.sample(NAMES, self.rng.randint(0, most))
        pairs: list[tuple[str, str | bytes]] = [(n, self.value()) for n in names]
        if pairs and self.rng.random() < 0.3:  # the same field twice
            pairs.append((pairs[0][0], self.value()))
        return pairs

    def case(self, method: str, template: str, route: Route, query: list[Any]) -> Case:
        # Mostly a real record of the kind the path names (else the first check is a 404).
        own = [i for prefix, i in self.ids if template.startswith(prefix)]
        filled = {}
        for name, convertor in route.param_convertors.items():
            pool = own if own and self.rng.random() < 0.8 else [i for _, i in self.ids]
            pick = self.rng.choice([*pool, str(uuid.uuid4())])
            filled[name] = pick if isinstance(convertor, UUIDConvertor) else _enc(self.value())
        path = template.format(**filled)
        if query:  # a URL stays under 8 KB or so, as servers and proxies allow
            path += "?" + "&".join(f"{_enc(k)}={_enc(v[:100])}" for k, v in query)
        return Case(method, path)

    def body(self, case: Case, pairs: list[Any], style: str, csrf_field: bool) -> None:
        """Fill in the body in ``style``, the token in the form or (if not) in the header."""
        if csrf_field:
            pairs = [*pairs, ("csrf_token", self.token)]
        elif not any(n == b"x-csrf-token" for n, _ in case.headers):
            case.headers.append((b"x-csrf-token", self.token.encode()))
        case.fields = {k: _text(v) for k, v in pairs}
        if style == "form":
            case.body = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs).encode()
            case.headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        elif style == "multipart":
            parts = [
                b'--fz\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                % (k.encode(), v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass"))
                for k, v in pairs
            ]
            if self.rng.random() < 0.3:
                parts.append(
                    b'--fz\r\nContent-Disposition: form-data; name="title"; filename="a\xff"\r\n'
                    b"Content-Type: application/octet-stream\r\n\r\n\x00\xff\r\n"
                )
            case.body = b"".join(parts) + self.rng.choice([b"--fz--\r\n", b"--fz", b""])
            case.headers.append((b"content-type", b"multipart/form-data; boundary=fz"))
        elif style == "json":
            document = sync_junk.random_json(self.rng)
            if self.rng.random() < 0.5:
                document = json.loads(sync_junk.junk_envelope(self.rng, str(uuid.uuid4())))
            case.body = json.dumps(document).encode()
            case.headers.append((b"content-type", b"application/json"))
        elif style == "raw":
            case.body = self.rng.choice([b"\xff\xfe\x00", b"{", b"a=%", b"=&=&&", b"\x00" * 99])
            case.headers.append((b"content-type", self.rng.choice(CONTENT_TYPES)))

    def random_cases(self, template: str, route: Route, tries: int) -> Iterator[Case]:
        """Random methods, query, headers and bodies of every kind."""
        declared = sorted(route.methods or {"GET"})
        json_first = template.startswith(("/sync/", "/api/"))
        for _ in range(tries):
            method = self.rng.choice(declared if self.rng.random() < 0.85 else OTHER_METHODS)
            case = self.case(method, template, route, self.pairs(3))
            for name in self.rng.sample(sorted(HEADERS), self.rng.randint(0, 3)):
                case.headers.append((name.encode(), self.rng.choice(HEADERS[name])))
            if not self.token and self.rng.random() < 0.5:
                case.headers.append((b"cookie", self.rng.choice(COOKIES)))
            if method in ("GET", "HEAD", "OPTIONS") and self.rng.random() < 0.8:
                continue
            in_form = bool(self.token) and self.rng.random() < (0.1 if json_first else 0.5)
            styles = ["form", "form", "multipart"] + ([] if in_form else ["json", "raw", "none"])
            if json_first and not in_form:
                styles += ["json"] * 8  # the JSON endpoints: mostly get past the content type
            self.body(case, self.pairs(8), self.rng.choice(styles), in_form)
            yield case

    def sweep(self, template: str, route: Route) -> Iterator[Case]:
        """Every name at once, in the query and (for a POST) the form, each taking every odd
        value in turn: one request per odd value, so each field meets each value once (each
        of the GATES, a third of them)."""
        method = "POST" if "POST" in (route.methods or ()) else "GET"
        for k in range(len(ODD)):
            pairs = [
                (n, ODD[(i + k) % len(ODD)])
                for i, n in enumerate(NAMES)
                if n not in GATES or k % 3 == 0
            ]
            case = self.case(method, template, route, pairs)
            if method == "POST":
                self.body(case, pairs, ("form", "multipart")[k % 2], csrf_field=k % 4 < 2)
            yield case

    def json_sweep(self) -> Iterator[Case]:
        """A push with each place in it holding each odd value (fresh device ids each time)."""
        texts: list[Any] = [v for v in ODD if isinstance(v, str)]
        for slot in ("client_id", *(f"m.{key}" for key in MUTATION_SLOTS), "data.title", "key"):
            # The UUIDs share one parser: a third of the values each, the first one all.
            values = texts if slot in TEXT_SLOTS else JSON_ODD
            if slot in ("client_id", "m.record_id", "m.base_mutation_id"):
                values = values[len(slot) % 3 :: 3]
            for value in values:
                item = sync_junk.valid_mutation(1)
                document = {"client_id": str(uuid.uuid4()), "schema_version": 1}
                if slot == "key":
                    if not isinstance(value, str):
                        continue
                    item["data"] = {**item["data"], value: "x"}
                elif slot == "data.title":
                    item["data"] = {**item["data"], "title": value}
                elif slot.startswith("m."):
                    item[slot[2:]] = value
                else:
                    document[slot] = value
                case = Case("POST", "/sync/push", note=f"{slot}={value!r:.40}")
                case.headers.append((b"content-type", b"application/json"))
                case.headers.append((b"x-csrf-token", self.token.encode()))
                case.body = json.dumps({**document, "mutations": [item]}).encode()
                yield case


def known_elsewhere(backend: str, route: Route, case: Case) -> bool:
    """5xx that another change fixes; the coordinator removes each once it is merged."""
    # issue 9 #11 (kexpwa/auth, another helper): POST /login with a NUL in the username is a
    # 500 on PostgreSQL.
    return (
        backend == "postgres"
        and route.name == "login_submit"
        and "\x00" in case.fields.get("username", "")
    )


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
                    if response.status_code >= 500 and not known_elsewhere(
                        backend, walked.route, case
                    ):
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

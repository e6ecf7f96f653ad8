"""Generated HTTP requests for tests/test_fuzz_routes.py: odd methods, content types, headers,
query parameters and bodies (forms, multipart, JSON, raw bytes), seeded so that each replays
the same way. Field and parameter names come from what the views read."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import httpx2
from starlette.convertors import UUIDConvertor
from starlette.routing import Route

from kexpwa.domain import registry
from tests import sync_junk

SEED = 20261129
ALLOWED_TRIES = 6  # requests per route for a role that may use it
OTHER_TRIES = 1  # for a role that may not (the guard answers, but it must answer well)
KEXPWA = Path(__file__).resolve().parents[1] / "kexpwa"
READS = re.compile(r"""(?:form|params|query_params)(?:\.get|\.getlist)?[(\[]\s*["']([\w.]+)["']""")
NAMES = sorted(
    {n for p in KEXPWA.rglob("*.py") for n in READS.findall(p.read_text())}
    | {n for kind in registry.all_kinds() for n in (*kind.form.text, *kind.form.flags)}
    | {"tags", "sections.feelings", "sections.x", "version", "id", "csrf_token", "minutes"}
    | {"save_anyway"}  # read by name from kexpwa.domain.flags.SAVE_ANYWAY
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
             "Reflection group", "Juggling", "resolved", "200", "about_me",
             "CHI 1503901009 at EH6 4AB", "note", "journal",
             "Thank you for sharing this.",
             # the admin pages (issue 13): roles, activation, teams, audit events, people
             "practitioner", "team_lead", "admin", "yes", "no", "Team A", "user.moved", "pat",
             "14"]  # fmt: skip
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
            # A text segment (``/team/entries/{kind}/...``) stays short, as a query value does.
            text = _enc(self.value()[:100])
            filled[name] = pick if isinstance(convertor, UUIDConvertor) else text
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

"""Only the owner can see or change a record. Walks the route table, so a capture route added
later with a record id in its path is covered without touching this file: another
practitioner of the same authority, and a user of another authority, get 404 for an existing
record's id, on every method, and the record does not change."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from kexpwa.domain import changes
from kexpwa.web.access import CAPTURE, access_of
from tests.capture_helpers import Person, form, sign_in
from tests.conftest import Client, make_client
from tests.support import UserFactory

# The first path segment of a capture route -> the kind of record its {id} names.
KIND_BY_AREA = {"notes": "note", "journal": "journal", "time": "time", "projects": "project"}
# Routes naming the kind in their path ({kind}): tried on this kind's record.
KIND_IN_PATH = {"feedback": "journal"}


def capture_routes_with_an_id(app: Starlette) -> list[Route]:
    return [
        r
        for r in app.routes
        if isinstance(r, Route) and access_of(r.endpoint) is CAPTURE and "id" in r.param_convertors
    ]


def _kind(route: Route) -> str:
    area = route.path.split("/")[1]
    if area in KIND_IN_PATH:
        return KIND_IN_PATH[area]
    assert area in KIND_BY_AREA, f"{route.path}: add its area to KIND_BY_AREA"
    return KIND_BY_AREA[area]


AREA_OF = {kind: area for area, kind in KIND_BY_AREA.items()}


async def _snapshot(person: Person, kind: str, record: Any) -> tuple[Any, ...]:
    stored = await person.reload(kind, record.id)
    data = changes.kind_of(kind).serialize(stored)
    return stored.version, stored.deleted_at, stored.change_no, sorted(data.items())


async def _records(pat: Person, label: str) -> dict[str, Any]:
    """One record of each kind, each with a secret in its text that must never leak."""
    made = {}
    for kind in KIND_BY_AREA.values():
        field = "note" if kind == "time" else "title"
        made[kind] = await pat.make(kind, **{field: f"Pat's {label} {kind}"})
    return made


def _secret(record: Any) -> str:
    return str(getattr(record, "title", None) or record.note)


async def _try_everything(
    outsider: Person, routes: list[Route], records: dict[str, Any]
) -> list[str]:
    leaks = []
    for route in routes:
        kind = _kind(route)
        record = records[kind]
        path = route.path_format.format(id=record.id, kind=kind)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if method == "GET":
                response = await outsider.client.get(path)
            else:
                body = {"id": str(record.id), "version": str(record.version), **form(kind)}
                body["body"] = "A comment on someone else's entry."  # the feedback route's field
                response = await outsider.post(path, body)
            if response.status_code != 404:
                leaks.append(f"{method} {route.path} ({route.name}): {response.status_code}")
            if _secret(record) in response.text.replace("&#39;", "'"):
                leaks.append(f"{method} {route.path} ({route.name}) shows the record's text")
    return leaks


async def test_other_people_get_404_on_every_record_route(
    app: Starlette, client: Client, other_client: Client, users: UserFactory
) -> None:
    routes = capture_routes_with_an_id(app)
    names = {r.name for r in routes}
    assert {"note_save", "note_edit", "journal_entry", "project", "time_restore"} <= names
    assert "feedback_post" in names
    pat = await sign_in(client, users)
    live = await _records(pat, "live")
    gone = await _records(pat, "deleted")
    for kind, record in gone.items():
        body = {"id": str(record.id), "version": "1"}
        assert (await pat.post(f"/{AREA_OF[kind]}/{record.id}/delete", body)).status_code == 303
        gone[kind] = await pat.reload(kind, record.id)
    everything = [*live.items(), *gone.items()]
    before = [await _snapshot(pat, kind, record) for kind, record in everything]

    # The owner can open every GET route of a live record: the walk reaches real pages.
    for route in routes:
        if "GET" in (route.methods or set()):
            path = route.path_format.format(id=live[_kind(route)].id, kind=_kind(route))
            assert (await client.get(path)).status_code == 200, path

    sam = await sign_in(other_client, users, username="sam")
    assert await _try_everything(sam, routes, live) == []
    assert await _try_everything(sam, routes, gone) == []
    async with make_client(app) as third:
        morgan = await sign_in(third, users, authority="east-lothian", username="morgan")
        assert await _try_everything(morgan, routes, live) == []
        assert await _try_everything(morgan, routes, gone) == []

    assert [await _snapshot(pat, kind, record) for kind, record in everything] == before

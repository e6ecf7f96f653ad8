"""Bad input through the real form posts: each case gets 422 with a message on the field at
fault, the form comes back with what was typed, and nothing in the database changes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kexpwa import tenancy
from kexpwa.domain import registry
from kexpwa.domain.durations import MAX_MINUTES
from tests.capture_helpers import Person, days_ago, form, sign_in
from tests.conftest import Client
from tests.support import UserFactory

LONG = "x" * 20_001
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # kind, what they sent (over a valid form), field at fault, part of its message
    ("note", {"title": ""}, "title", "Enter title"),
    ("note", {"title": "   \n "}, "title", "Enter title"),
    ("note", {"body": LONG}, "body", "at most 20,000 characters"),
    ("note", {"date": days_ago(-2)}, "date", "more than a day in the future"),
    ("note", {"date": "2026-02-30"}, "date", "a real date"),
    ("note", {"date": ""}, "date", "Enter date"),
    ("note", {"time": "25:00"}, "time", "a time like"),
    ("note", {"project_id": "not-a-project"}, "project_id", "not a valid reference"),
    ("note", {"project_id": str(uuid.uuid4())}, "project_id", "was not found"),
    ("note", {"tags": ["Juggling"]}, "tags", "Unknown learning element"),
    ("note", {"title": "Visit\x07"}, "title", "cannot be stored"),
    ("note", {"body": "Before\x00after"}, "body", "cannot be stored"),
    ("journal", {"template": "diary"}, "template", "Choose a template"),
    ("journal", {"title": ""}, "title", "Enter title"),
    ("journal", {"sections.incident": "", "sections.learned": ""}, "sections", "Write something"),
    ("journal", {"sections.mood": "x"}, "sections", "is not a section"),
    ("journal", {"sections.learned": LONG}, "sections", "at most 20,000 characters"),
    ("journal", {"session_date": days_ago(-3)}, "session_date", "more than a day"),
    ("journal", {"source_id": str(uuid.uuid4())}, "source_id", "was not found"),
    ("time", {"duration": ""}, "duration", "Enter how long"),
    ("time", {"duration": "0"}, "duration", "more than zero"),
    ("time", {"duration": "-30"}, "duration", "Could not understand"),
    ("time", {"duration": "25h"}, "duration", "at most 24 hours"),
    ("time", {"duration": str(MAX_MINUTES + 1)}, "duration", "at most 24 hours"),
    ("time", {"duration": "a while"}, "duration", "Could not understand"),
    ("time", {"duration": "9" * 5000}, "duration", "too long"),
    ("time", {"activity": "Golf"}, "activity", "Choose an activity"),
    ("time", {"date": days_ago(-2)}, "date", "more than a day in the future"),
    ("time", {"note": "n" * 501}, "note", "at most 500"),
    ("project", {"title": ""}, "title", "Enter title"),
    ("project", {"stage": "finished"}, "stage", "Choose a stage"),
    ("project", {"stage": "do", "substep": "poster"}, "substep", "Choose a step of Do"),
    ("project", {"start_date": days_ago(-9)}, "start_date", "more than a day"),
]


async def _counts(person: Person) -> dict[str, int]:
    with tenancy.bound(person.authority):
        return {k.name: await k.model.all().count() for k in registry.all_kinds()}


@pytest.mark.parametrize(
    ("kind", "sent", "field", "message"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)],
)
async def test_bad_input_is_a_field_error(
    client: Client, users: UserFactory, kind: str, sent: dict[str, Any], field: str, message: str
) -> None:
    pat = await sign_in(client, users)
    before = await _counts(pat)
    rid = uuid.uuid4()
    response = await pat.save(kind, rid, form(kind, **sent))
    assert response.status_code == 422, response.text[:500]
    errors = client.template.context["errors"]
    assert field in errors and message in errors[field], errors
    assert client.template.template.endswith("/form.html")
    assert f'href="#f-{field.replace("_", "-")}"' in response.text  # the summary links to it
    assert await _counts(pat) == before


async def test_bad_input_on_an_edit_changes_nothing(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    note = await pat.make("note", title="Kept")
    response = await pat.save("note", note.id, form("note", title="", body=LONG), version=1)
    assert response.status_code == 422
    assert set(client.template.context["errors"]) == {"title", "body"}
    stored = await pat.reload("note", note.id)
    assert (stored.title, stored.version) == ("Kept", 1)


async def test_someone_elses_project_is_not_found(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    sam = await sign_in(other_client, users, username="sam")
    theirs = await sam.make("project", title="Sam's")
    for kind in ("note", "time"):
        rid = uuid.uuid4()
        response = await pat.save(kind, rid, form(kind, project_id=str(theirs.id)))
        assert response.status_code == 422
        assert "was not found" in client.template.context["errors"]["project_id"]
        assert "Sam&#39;s" not in response.text
        assert await pat.reload(kind, rid) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"title=%FF%FE&body=x",  # invalid UTF-8
        b"title=caf%C3%28&body=x",  # a broken two-byte sequence
        b"title=ok&body=tab%09ok%01bell",  # a control character
        b"title=%ED%A0%80&body=x",  # an encoded surrogate
    ],
)
async def test_broken_bytes_in_a_form_are_a_field_error(
    client: Client, users: UserFactory, raw: bytes
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    body = f"csrf_token={pat.token}&id={rid}&version=&date={days_ago(0)}&".encode() + raw
    response = await client.post(
        f"/notes/{rid}",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    errors = client.template.context["errors"]
    assert any("cannot be stored" in message for message in errors.values()), errors
    assert await pat.reload("note", rid) is None


@pytest.mark.parametrize(
    ("extra", "status"),
    [({"version": "two"}, 400), ({"version": "-1"}, 400), ({"id": "someone-else"}, 400)],
)
async def test_a_tampered_form_is_refused(
    client: Client, users: UserFactory, extra: dict[str, str], status: int
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.post(f"/notes/{rid}", {"id": str(rid), **form("note"), **extra})
    assert response.status_code == status
    assert await pat.reload("note", rid) is None


async def test_odd_list_queries_are_not_errors(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    for query in ("q=%00", "q=%FF", "project=nope", "page=-3", "page=x", "tag=%01"):
        for path in ("/notes", "/journal", "/time", "/projects"):
            response = await client.get(f"{path}?{query}")
            assert response.status_code == 200, (path, query)

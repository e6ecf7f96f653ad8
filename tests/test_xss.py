"""Stored text is rendered escaped everywhere. Classic XSS payloads go into every text field
of every kind through the real form posts; then every page that shows them (full and htmx,
forms with errors and conflicts too) must show them only as text."""

from __future__ import annotations

import re
import uuid

from tests.capture_helpers import HX, Person, days_ago, form, sign_in
from tests.conftest import Client
from tests.support import UserFactory

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(2)</script>",
)
TITLE = PAYLOADS[0] + PAYLOADS[1]
TEXT = " ".join(PAYLOADS)
MARKUP = [p for p in PAYLOADS if "<" in p or '"' in p]


def assert_inert(html: str, where: str) -> None:
    for payload in MARKUP:
        assert payload not in html, f"{where}: raw {payload!r}"
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I), where
    assert "<script>alert" not in html and "<svg" not in html and "<img src=x" not in html, where


async def _store_everything(pat: Person) -> dict[str, uuid.UUID]:
    ids = {kind: uuid.uuid4() for kind in ("project", "note", "journal", "quick", "time")}
    sent = {
        "project": form("project", title=TITLE, question=TEXT),
        "note": form("note", title=TITLE, body=TEXT, project_id=str(ids["project"])),
        "journal": form(
            "journal",
            title=TITLE,
            session_title=TITLE,
            session_date=days_ago(1),
            **{f"sections.{k}": TEXT for k in ("incident", "assumptions", "learned")},
        ),
        "quick": {"template": "quick", "title": "", "date": days_ago(0), "sections.note": TEXT},
        "time": form("time", note=TEXT, project_id=str(ids["project"])),
    }
    for name, data in sent.items():
        kind = "journal" if name == "quick" else name
        response = await pat.save(kind, ids[name], data)
        assert response.status_code == 303, (name, response.text[:300])
    return ids


async def test_stored_payloads_are_escaped_on_every_page(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    ids = await _store_everything(pat)
    pages = [
        "/",
        "/notes",
        "/notes?q=script",
        f"/notes?project={ids['project']}",
        f"/notes/{ids['note']}/edit",
        "/journal",
        "/journal?q=alert",
        f"/journal/{ids['journal']}",
        f"/journal/{ids['journal']}/edit",
        f"/journal/{ids['quick']}",
        f"/journal/new?from={ids['quick']}",
        f"/journal/new?template=gibbs&from={ids['quick']}",
        "/time",
        f"/time/{ids['time']}/edit",
        "/projects",
        f"/projects/{ids['project']}",
        f"/projects/{ids['project']}/edit",
        "/notes/new",
        "/time/new",
    ]
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "alert(1)" in response.text or path in ("/", "/notes/new", "/time/new"), path
        assert_inert(response.text, path)
    for path in ("/notes?q=alert", "/journal?q=alert", "/time?q=alert", "/projects?q=alert"):
        response = await client.get(path, headers=HX)
        assert "alert(1)" in response.text, path
        assert_inert(response.text, f"{path} (htmx)")


async def test_payloads_in_error_and_conflict_forms_are_escaped(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    ids = await _store_everything(pat)
    invalid = await pat.save("note", uuid.uuid4(), form("note", title=TITLE, body=TEXT, date=""))
    assert invalid.status_code == 422
    assert_inert(invalid.text, "422 note form")
    await pat.save("note", ids["note"], form("note", title=TITLE, body=TEXT + " v2"), version=1)
    conflict = await pat.save("note", ids["note"], form("note", title=TITLE, body=TEXT), version=1)
    assert conflict.status_code == 409
    assert "alert(1)" in conflict.text
    assert_inert(conflict.text, "409 note form")
    unknown = await pat.save("journal", uuid.uuid4(), {"template": TITLE, "sections.x": TEXT})
    assert unknown.status_code == 422
    assert_inert(unknown.text, "422 journal form with an unknown template")


async def test_deleted_payloads_are_escaped_in_undo_and_recently_deleted(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    ids = await _store_everything(pat)
    for area, name in (
        ("notes", "note"),
        ("journal", "journal"),
        ("time", "time"),
        ("projects", "project"),
    ):
        rid = ids[name]
        deleted = await pat.post(f"/{area}/{rid}/delete", {"id": str(rid), "version": "1"})
        undo = await client.get(deleted.headers["location"])
        assert client.template.context["undo"] is not None
        assert_inert(undo.text, f"/{area} undo")
        recent = await client.get(f"/{area}/deleted")
        assert "alert(1)" in recent.text or name == "time"  # a time entry is named by its numbers
        assert_inert(recent.text, f"/{area}/deleted")

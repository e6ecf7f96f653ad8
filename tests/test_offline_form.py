"""The per-kind edit form the service worker keeps to open any entry offline (one per journal
template): it carries markers where the worker writes the record's id and version, and posted
as it is, it changes nothing."""

from __future__ import annotations

from kexpwa.views.capture import OFFLINE_ID, OFFLINE_VERSION
from tests.capture_helpers import sign_in
from tests.conftest import Client
from tests.support import UserFactory


async def test_each_kind_has_an_offline_edit_form(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    for path, button in (
        ("/notes/offline-edit", "Save note"),
        ("/time/offline-edit", "Save time"),
        ("/projects/offline-edit", "Save"),
        ("/journal/offline-edit?template=gibbs", "Save entry"),
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        html = response.text
        assert f'data-record-id="{OFFLINE_ID}"' in html, path
        assert f'name="version" value="{OFFLINE_VERSION}"' in html, path
        assert button in html and "<h1>Edit" in html, path
    gibbs = (await client.get("/journal/offline-edit?template=gibbs")).text
    assert 'name="sections.description"' in gibbs


async def test_a_journal_offline_form_needs_a_known_template(
    client: Client, users: UserFactory
) -> None:
    await sign_in(client, users)
    assert (await client.get("/journal/offline-edit")).status_code == 404
    assert (await client.get("/journal/offline-edit?template=nope")).status_code == 404


async def test_posting_the_unfilled_form_changes_nothing(
    client: Client, users: UserFactory
) -> None:
    person = await sign_in(client, users)
    response = await client.post(
        f"/notes/{OFFLINE_ID}",
        data={
            "csrf_token": person.token,
            "id": OFFLINE_ID,
            "version": OFFLINE_VERSION,
            "title": "x",
            "date": "2026-11-26",
        },
    )
    assert response.status_code in (404, 405)
    notes = await client.get("/notes")
    assert ">x</a>" not in notes.text


async def test_the_worker_knows_each_kinds_edit_and_offline_form(client: Client) -> None:
    body = (await client.get("/sw.js")).text
    assert "__KINDS__" not in body
    assert '"edit": "/notes/{id}/edit", "form": "/notes/offline-edit"' in body
    assert '"edit": "/journal/{id}/edit", "form": "/journal/offline-edit"' in body

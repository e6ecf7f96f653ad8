"""Fieldwork note pages: the list (search, filters, paging, empty state, htmx partial), the
form contract the offline layer relies on, save, conflicts, errors, delete and undo."""

from __future__ import annotations

import re
import uuid

from kexpwa import tenancy
from kexpwa.domain.queries import PER_PAGE
from kexpwa.models.records import Note, RecordVersion
from tests.capture_helpers import HX, TAG, days_ago, form, hidden, sign_in
from tests.conftest import Client
from tests.support import UserFactory


async def test_empty_list_says_what_to_do_first(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/notes")
    assert response.status_code == 200
    assert client.template.template == "notes/list.html"
    page = client.template.context["page"]
    assert (page.total, page.items) == (0, [])
    assert "HX-Request" in response.headers["vary"]
    assert "No fieldwork notes yet" in response.text
    assert 'href="http://testserver/notes/new"' in response.text
    assert 'data-list-kind="note"' in response.text  # the offline layer adds pending rows here
    assert "data-empty-state" in response.text


async def test_htmx_gets_only_the_list(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    await pat.make("note", title="Kinship visit")
    response = await client.get("/notes?q=kinship", headers=HX)
    assert response.status_code == 200
    assert client.template.template == "notes/_list.html"
    assert client.template.context["filters"].q == "kinship"
    assert "HX-Request" in response.headers["vary"]
    assert "<html" not in response.text and 'class="tabs"' not in response.text
    assert "Kinship visit" in response.text
    assert 'data-status-message="1 note found"' in response.text


async def test_new_form_follows_the_offline_contract(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/notes/new")
    assert response.status_code == 200
    assert client.template.template == "notes/form.html"
    context = client.template.context
    rid = context["record_id"]
    assert isinstance(rid, uuid.UUID) and context["is_new"] and context["version"] == ""
    html = response.text
    assert f'action="http://testserver/notes/{rid}"' in html
    assert f'data-kind="note" data-record-id="{rid}"' in html
    assert hidden(html, "id") == str(rid) and hidden(html, "version") == ""
    assert hidden(html, "csrf_token")
    for name in ("title", "body", "date", "time", "project_id"):
        assert f'name="{name}"' in html
    assert 'type="date"' in html and 'type="time"' in html
    assert html.count('name="tags"') == len(context["settings"].cpl_tags)
    for name in ("share_lead", "share_research"):
        box = re.search(
            rf'<input type="checkbox" id="[^"]+" name="{name}" value="true"([^>]*)>', html
        )
        assert box and "checked" not in box.group(1)  # off by default
    assert "Share with my team lead" in html
    assert "Include in the research dataset (you can withdraw this later)" in html
    # No maxlength (it would cut a paste silently); the limit is stated and checked instead.
    assert "maxlength" not in html and 'data-counter="f-body-count"' in html
    assert "Up to 20,000 characters." in html
    # A second visit gets another id: each new form is a new record.
    await client.get("/notes/new")
    assert client.template.context["record_id"] != rid


async def test_create_then_edit_keeps_versions(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    created = await pat.save("note", rid, form("note", tags=[TAG], share_lead="true"))
    assert created.status_code == 303
    assert created.headers["location"] == "http://testserver/notes"
    note = await pat.reload("note", rid)
    assert (note.version, note.tags, note.share_lead, note.share_research) == (
        1,
        [TAG],
        True,
        False,
    )

    page = await client.get(f"/notes/{rid}/edit")
    assert client.template.template == "notes/form.html"
    assert client.template.context["values"]["title"] == "Visit to the carers' group"
    assert hidden(page.text, "version") == "1"
    assert re.search(rf'name="tags" value="{TAG}" checked', page.text)

    edited = await pat.save("note", rid, form("note", body="Changed."), version=1)
    assert edited.status_code == 303
    note = await pat.reload("note", rid)
    assert (note.version, note.body, note.tags, note.share_lead) == (2, "Changed.", [], False)
    with tenancy.bound("edinburgh"):
        kept = await RecordVersion.get(kind="note", record_id=rid, version=1)
    assert kept.data["body"].startswith("Three carers")

    listed = await client.get("/notes")
    assert client.template.context["page"].items[0].id == rid
    assert "Visit to the carers&#39; group" in listed.text


async def test_a_stale_edit_shows_both_texts_and_loses_nothing(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    note = await pat.make("note")
    await pat.save("note", note.id, form("note", body="Typed on the phone."), version=1)
    response = await pat.save("note", note.id, form("note", body="Typed on the laptop."), version=1)
    assert response.status_code == 409
    assert client.template.template == "notes/form.html"
    context = client.template.context
    assert context["values"]["body"] == "Typed on the laptop."
    assert ("Note", "Typed on the phone.") in context["conflict"]
    assert context["version"] == 2  # saving again is a deliberate choice, seen both
    assert "Typed on the laptop." in response.text and "Typed on the phone." in response.text
    assert "changed somewhere else" in response.text
    assert (await pat.reload("note", note.id)).body == "Typed on the phone."
    again = await pat.save("note", note.id, form("note", body="Typed on the laptop."), version=2)
    assert again.status_code == 303
    assert (await pat.reload("note", note.id)).version == 3


async def test_invalid_input_is_shown_on_its_fields(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.save("note", rid, form("note", title="  ", date=days_ago(-5)))
    assert response.status_code == 422
    assert client.template.template == "notes/form.html"
    context = client.template.context
    assert set(context["errors"]) == {"title", "date"}
    assert context["record_id"] == rid and context["is_new"]
    html = response.text
    assert 'class="error-summary" role="alert" tabindex="-1"' in html
    assert 'href="#f-title"' in html and 'href="#f-date"' in html
    title = re.search(r'<input id="f-title"[^>]*>', html)
    assert title and 'aria-invalid="true"' in title.group(0)
    assert 'aria-describedby="f-title-error f-title-hint"' in title.group(0)
    assert '<span class="error" id="f-title-error">Enter title.</span>' in html
    assert "Three carers spoke" in html  # what they typed is kept
    assert await pat.reload("note", rid) is None


async def test_delete_undo_and_recently_deleted(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    note = await pat.make("note", title="To be deleted")
    edit = await client.get(f"/notes/{note.id}/edit")
    assert f'data-delete-kind="note" data-record-id="{note.id}"' in edit.text
    response = await pat.post(f"/notes/{note.id}/delete", {"id": str(note.id), "version": "1"})
    assert response.status_code == 303
    assert response.headers["location"] == f"http://testserver/notes?deleted={note.id}"
    listed = await client.get(response.headers["location"])
    assert client.template.context["undo"].id == note.id
    assert client.template.context["page"].total == 0
    assert "Deleted “To be deleted”." in listed.text
    assert f'data-restore-kind="note" data-record-id="{note.id}"' in listed.text
    assert (await client.get(f"/notes/{note.id}/edit")).status_code == 404

    deleted = await client.get("/notes/deleted")
    assert client.template.template == "capture/deleted.html"
    assert [n.id for n in client.template.context["items"]] == [note.id]
    assert "To be deleted" in deleted.text

    restored = await pat.post(f"/notes/{note.id}/restore", {"id": str(note.id)})
    assert restored.status_code == 303
    await client.get("/notes")
    assert [n.id for n in client.template.context["page"].items] == [note.id]
    assert (await pat.reload("note", note.id)).version == 3


async def test_deleting_a_changed_note_asks_to_look_first(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    note = await pat.make("note")
    await pat.save("note", note.id, form("note", body="newer"), version=1)
    response = await pat.post(f"/notes/{note.id}/delete", {"id": str(note.id), "version": "1"})
    assert response.status_code == 409
    assert (await pat.reload("note", note.id)).deleted_at is None


async def test_search_filters_and_paging(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    project = await pat.make("project", title="Kinship")
    for n in range(PER_PAGE + 3):
        await pat.make("note", title=f"Note {n:02d}", date=days_ago(n), body="plain")
    await pat.make("note", title="About respite", body="x", date=days_ago(40), tags=[TAG])
    await pat.make("note", title="Linked", project_id=str(project.id), date=days_ago(41))

    first = await client.get("/notes")
    page = client.template.context["page"]
    assert (page.total, page.pages, len(page.items)) == (PER_PAGE + 5, 2, PER_PAGE)
    assert page.items[0].title == "Note 00"  # newest first
    next_url = client.template.context["next_url"]
    assert next_url == "http://testserver/notes?page=2"
    assert f'href="{next_url}" hx-get="{next_url}" hx-target="#notes-list"' in first.text

    await client.get(next_url, headers=HX)
    assert client.template.template == "notes/_list.html"
    assert [n.title for n in client.template.context["page"].items][-1] == "Linked"

    await client.get("/notes", params={"q": "RESPITE"})
    assert [n.title for n in client.template.context["page"].items] == ["About respite"]
    await client.get("/notes", params={"tag": TAG})
    assert [n.title for n in client.template.context["page"].items] == ["About respite"]
    await client.get("/notes", params={"project": str(project.id)})
    assert [n.title for n in client.template.context["page"].items] == ["Linked"]
    none = await client.get("/notes", params={"q": "nothing like this"})
    assert "No notes match that search" in none.text


async def test_search_input_updates_the_list_as_you_type(
    client: Client, users: UserFactory
) -> None:
    await sign_in(client, users)
    html = (await client.get("/notes")).text
    search = re.search(r'<input type="search"[^>]*>', html, re.S)
    assert search
    tag = search.group(0)
    assert 'name="q"' in tag and 'hx-get="http://testserver/notes"' in tag
    assert 'hx-trigger="input changed delay:300ms, search"' in tag
    assert 'hx-target="#notes-list"' in tag and 'hx-push-url="false"' in tag
    assert '<form method="get" action="http://testserver/notes" role="search"' in html


async def test_a_note_can_link_to_a_project(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    project = await pat.make("project", title="Kinship carers")
    page = await client.get("/notes/new")
    assert f'<option value="{project.id}" >Kinship carers</option>' in page.text
    rid = uuid.uuid4()
    await pat.save("note", rid, form("note", project_id=str(project.id)))
    assert (await pat.reload("note", rid)).project_id == project.id
    listed = await client.get("/notes")
    assert "Kinship carers" in listed.text


async def test_missing_note_is_not_found(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    assert (await client.get(f"/notes/{uuid.uuid4()}/edit")).status_code == 404
    with tenancy.bound("edinburgh"):
        assert await Note.all().count() == 0

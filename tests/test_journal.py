"""Journal pages: choosing a template, its sections as labelled fields, the entry page, a
quick note growing into a full entry (linked both ways), group sessions, list and conflicts."""

from __future__ import annotations

import re
import uuid

from markupsafe import escape

from kexpwa.domain import journal_templates
from tests.capture_helpers import HX, TAG, days_ago, form, hidden, sign_in
from tests.conftest import Client
from tests.support import UserFactory

FOOK = journal_templates.TEMPLATES["fook_gardner"]


async def test_choosing_a_template(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/journal/new")
    assert response.status_code == 200
    assert client.template.template == "journal/templates.html"
    choices = client.template.context["choices"]
    assert [t.key for t in choices] == list(journal_templates.TEMPLATES)
    for template in journal_templates.TEMPLATES.values():
        assert str(escape(template.name)) in response.text
    assert 'href="http://testserver/journal/new?template=gibbs"' in response.text


async def test_each_section_is_a_labelled_field(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/journal/new?template=fook_gardner")
    assert client.template.template == "journal/form.html"
    context = client.template.context
    assert context["template"] is FOOK and context["is_new"]
    html = response.text
    assert f'data-kind="journal" data-record-id="{context["record_id"]}"' in html
    assert hidden(html, "template") == "fook_gardner"
    for section in FOOK.sections:
        field = f"f-sections-{section.key.replace('_', '-')}"
        assert f'<label for="{field}">' in html
        assert f'name="sections.{section.key}"' in html
    assert "What have I learned?" in html and "How will I use this learning?" in html
    assert 'name="session_date"' in html and 'name="session_title"' in html


async def test_write_and_read_an_entry(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    data = form("journal", session_date=days_ago(1), session_title="Group session 2", tags=[TAG])
    response = await pat.save("journal", rid, data)
    assert response.status_code == 303
    assert response.headers["location"] == f"http://testserver/journal/{rid}"
    entry = await pat.reload("journal", rid)
    assert entry.sections["learned"] == "Listen first." and entry.sections["power"] == ""
    assert entry.session_title == "Group session 2"

    page = await client.get(f"/journal/{rid}")
    assert client.template.template == "journal/entry.html"
    assert client.template.context["record"].id == rid
    assert "<h2>What have I learned?</h2>" in page.text
    assert "Listen first." in page.text and "Group session 2" in page.text
    assert "What power relations" not in page.text  # empty sections are left out

    edit = await client.get(f"/journal/{rid}/edit")
    assert client.template.context["values"]["sections"]["learned"] == "Listen first."
    assert hidden(edit.text, "version") == "1"


async def test_quick_note_grows_into_a_full_entry(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    quick = uuid.uuid4()
    saved = await pat.save(
        "journal", quick, {"template": "quick", "title": "", "date": days_ago(0),
                           "sections.note": "Mum went quiet when I mentioned school."}
    )  # fmt: skip
    assert saved.status_code == 303
    assert (await pat.reload("journal", quick)).title.startswith("Mum went quiet")
    page = await client.get(f"/journal/{quick}")
    expand = f"http://testserver/journal/new?from={quick}"
    assert f'href="{expand}"' in page.text and "Turn into a full entry" in page.text

    chooser = await client.get(expand)
    assert client.template.template == "journal/templates.html"
    assert "quick" not in [t.key for t in client.template.context["choices"]]
    assert f"template=gibbs&amp;from={quick}" in chooser.text

    started = await client.get("/journal/new", params={"template": "gibbs", "from": str(quick)})
    values = client.template.context["values"]
    assert values["sections"] == {"description": "Mum went quiet when I mentioned school."}
    assert values["source_id"] == str(quick)
    assert hidden(started.text, "source_id") == str(quick)
    assert "grows from your quick note" in started.text

    full = uuid.uuid4()
    sent = {
        "template": "gibbs",
        "title": "School worries",
        "date": days_ago(0),
        "source_id": str(quick),
        "sections.description": "Mum went quiet when I mentioned school.",
        "sections.analysis": "She may feel judged.",
    }
    assert (await pat.save("journal", full, sent)).status_code == 303
    assert (await pat.reload("journal", full)).source_id == quick
    shown = await client.get(f"/journal/{full}")
    assert f'href="http://testserver/journal/{quick}"' in shown.text and "Grew from" in shown.text
    back = await client.get(f"/journal/{quick}")
    assert [e.id for e in client.template.context["followups"]] == [full]
    assert "Turned into" in back.text and "School worries" in back.text


async def test_starting_from_someone_elses_quick_note_is_not_found(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    quick = await pat.make("journal", template="quick", title="", sections={"note": "Mine"})
    await sign_in(other_client, users, username="sam")
    response = await other_client.get(
        "/journal/new", params={"template": "gibbs", "from": str(quick.id)}
    )
    assert response.status_code == 404
    assert "Mine" not in response.text


async def test_list_search_tag_filter_and_htmx(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    await pat.make("journal", title="Power and home visits", tags=[TAG])
    await pat.make("journal", title="Another", date=days_ago(3))
    listed = await client.get("/journal")
    assert client.template.template == "journal/list.html"
    assert [e.title for e in client.template.context["page"].items] == [
        "Power and home visits",
        "Another",
    ]
    assert "HX-Request" in listed.headers["vary"]
    assert "Critical reflection (Fook &amp; Gardner)" in listed.text
    response = await client.get("/journal", params={"tag": TAG}, headers=HX)
    assert client.template.template == "journal/_list.html"
    assert [e.title for e in client.template.context["page"].items] == ["Power and home visits"]
    assert "HX-Request" in response.headers["vary"]
    await client.get("/journal", params={"q": "checklist"})  # searches the sections' text
    assert client.template.context["page"].total == 2


async def test_empty_journal_offers_a_first_step(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/journal")
    assert "Your journal is empty" in response.text
    assert 'href="http://testserver/journal/new?template=quick"' in response.text


async def test_a_stale_entry_keeps_their_sections(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    entry = await pat.make("journal")
    await pat.save("journal", entry.id, form("journal", **{"sections.learned": "A"}), version=1)
    response = await pat.save(
        "journal", entry.id, form("journal", **{"sections.learned": "B"}), version=1
    )
    assert response.status_code == 409
    assert client.template.context["values"]["sections"]["learned"] == "B"
    assert ("What have I learned?", "A") in client.template.context["conflict"]
    assert re.search(r'name="sections.learned"[^>]*>\s*B</textarea>', response.text)


async def test_an_empty_entry_is_refused(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    empty = {k: "" for k in form("journal") if k.startswith("sections.")}
    response = await pat.save("journal", rid, form("journal", **empty))
    assert response.status_code == 422
    assert set(client.template.context["errors"]) == {"sections"}
    assert 'href="#f-sections"' in response.text
    assert 'aria-describedby="f-sections-error f-sections-incident-hint' in response.text
    assert await pat.reload("journal", rid) is None

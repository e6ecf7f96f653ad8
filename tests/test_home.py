"""The home page (quick actions and counts), the main navigation, and the demo samples."""

from __future__ import annotations

from kexpwa import tenancy
from kexpwa.domain import queries
from kexpwa.domain.samples import add_samples
from kexpwa.models.account import Role
from kexpwa.models.records import JournalEntry
from tests.capture_helpers import sign_in
from tests.conftest import Client
from tests.support import UserFactory

TABS = ("Notes", "Journal", "Time", "Projects")


async def test_quick_actions_counts_and_tabs(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    await pat.make("note")
    await pat.make("time", duration="1h 30", own_time=True)
    response = await client.get("/")
    assert client.template.template == "home.html"
    context = client.template.context
    assert context["captures"] is True
    assert context["counts"] == {"note": 1, "journal": 0, "time": 1, "project": 0}
    assert context["totals"] == {"work": 0, "own": 90, "all": 90}
    html = response.text
    for action in ("New fieldwork note", "Quick reflection", "Log time"):
        assert action in html
    assert 'href="http://testserver/journal/new?template=quick"' in html
    assert "<strong>1</strong> fieldwork note</a>" in html
    assert "<strong>1h 30</strong> logged this week (1h 30 in your own time)" in html
    nav = html.split('<nav class="tabs"')[1].split("</nav>")[0]
    assert all(f">{tab}</a>" in nav for tab in TABS)
    assert 'href="http://testserver/" aria-current="page">Home' in nav


async def test_the_nav_marks_where_you_are(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    html = (await client.get("/notes")).text
    assert 'href="http://testserver/notes" aria-current="page">Notes' in html
    html = (await client.get("/notes/new")).text
    assert 'href="http://testserver/notes" aria-current="true">Notes' in html


async def test_admins_get_no_capture_actions(client: Client, users: UserFactory) -> None:
    await sign_in(client, users, username="ada", role=Role.ADMIN)
    response = await client.get("/")
    assert client.template.context["captures"] is False
    assert "Quick actions" not in response.text
    assert ">Notes</a>" not in response.text
    assert (await client.get("/notes")).status_code == 403


async def test_team_leads_capture_too(client: Client, users: UserFactory) -> None:
    await sign_in(client, users, username="lee", role=Role.TEAM_LEAD)
    response = await client.get("/")
    assert "Quick actions" in response.text
    assert (await client.get("/journal")).status_code == 200


async def test_demo_samples_go_through_the_change_path(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    with tenancy.bound("edinburgh"):
        await add_samples(pat.user)
        counts = await queries.counts(pat.user.id)
        entry = await JournalEntry.get(owner_id=pat.user.id)
    assert counts["note"] == 1 and counts["journal"] == 1 and counts["project"] == 1
    assert counts["time"] >= 3
    assert entry.template == "fook_gardner" and entry.change_no > 0 and entry.version == 1

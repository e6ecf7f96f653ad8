"""A lead reads one shared entry: shown read-only, marked read, audited. Anything else (private,
withdrawn, deleted, another team's, another authority's, their own, a kind read only as
numbers) is 404 and writes nothing."""

from __future__ import annotations

import uuid

from kexpwa import tenancy
from kexpwa.models.account import Role
from kexpwa.models.reading import ReadMark
from tests import support
from tests.conftest import Client
from tests.support import UserFactory
from tests.team_helpers import audit_actions, delete, edit, make, team


async def test_opening_a_shared_entry_shows_it_marks_it_read_and_audits(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    entry = await make(
        t.pat, "journal", title="Listening first", share_lead=True,
        sections={"incident": "She wanted to talk before the checklist."},
    )  # fmt: skip
    await support.sign_in(client, t.lee)
    overview = await client.get("/team")
    assert "1 not yet read" in overview.text
    assert await audit_actions() == []  # the overview writes no audit row
    response = await client.get(f"/team/entries/journal/{entry.id}")
    assert response.status_code == 200
    assert "Listening first" in response.text
    assert "She wanted to talk before the checklist." in response.text
    assert "Journal entry by pat" in response.text
    assert await audit_actions() == [("team.entry_read", "journal", str(entry.id))]
    with tenancy.bound("edinburgh"):
        marks = await ReadMark.filter(reader_id=t.lee.user.id).values_list("record_id", flat=True)
    assert [uuid.UUID(str(m)) for m in marks] == [entry.id]
    overview = await client.get("/team")
    assert "not yet read" not in overview.text
    again = await client.get(f"/team/entries/journal/{entry.id}")
    assert again.status_code == 200  # opening again audits again, marks once
    assert len(await audit_actions()) == 2
    with tenancy.bound("edinburgh"):
        assert await ReadMark.filter(reader_id=t.lee.user.id).count() == 1


async def test_everything_not_shared_with_this_lead_is_not_found(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    private = await make(t.pat, "note", title="Private wordsX", share_lead=False)
    withdrawn = await make(t.pat, "note", title="Withdrawn wordsX", share_lead=True)
    withdrawn = await edit(t.pat, "note", withdrawn, share_lead=False)
    gone = await make(t.pat, "note", title="Deleted wordsX", share_lead=True)
    await delete(t.pat, "note", gone)
    other_team = await make(t.zed, "note", title="Portobello wordsX", share_lead=True)
    other_authority = await make(t.ola, "note", title="Lothian wordsX", share_lead=True)
    own = await make(t.lee, "note", title="My own wordsX", share_lead=True)
    time = await make(t.pat, "time", share_note_lead=True)
    await support.sign_in(client, t.lee)
    paths = [
        f"/team/entries/note/{private.id}",
        f"/team/entries/note/{withdrawn.id}",
        f"/team/entries/note/{gone.id}",
        f"/team/entries/note/{other_team.id}",
        f"/team/entries/note/{other_authority.id}",
        f"/team/entries/note/{own.id}",
        f"/team/entries/journal/{private.id}",  # the right id under another kind
        f"/team/entries/time/{time.id}",  # time is read as numbers only
        f"/team/entries/project/{uuid.uuid4()}",
        f"/team/entries/bogus/{private.id}",
        f"/team/entries/note/{uuid.uuid4()}",
    ]
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "wordsX" not in response.text, path
    assert await audit_actions() == []
    with tenancy.bound("edinburgh"):
        assert await ReadMark.all().count() == 0


async def test_withdrawn_sharing_hides_an_entry_already_read(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    note = await make(t.pat, "note", title="Shared for a while", share_lead=True)
    await support.sign_in(client, t.lee)
    assert (await client.get(f"/team/entries/note/{note.id}")).status_code == 200
    await edit(t.pat, "note", note, share_lead=False)
    assert (await client.get(f"/team/entries/note/{note.id}")).status_code == 404
    listing = await client.get("/team/shared")
    assert "Shared for a while" not in listing.text


async def test_only_team_leads_open_team_pages(client: Client, users: UserFactory) -> None:
    t = await team(users)
    note = await make(t.pat, "note", share_lead=True)
    admin = await users("edinburgh", "ada", Role.ADMIN, team=None)
    pages = ["/team", "/team/shared", "/team/charts", "/team/overview.csv"]
    pages.append(f"/team/entries/note/{note.id}")
    for who in (t.pat, admin):
        await support.sign_in(client, who)
        for path in pages:
            assert (await client.get(path)).status_code == 403, (who.username, path)
        await client.post("/logout", data={"csrf_token": await support.csrf(client, "/device")})
        client.cookies.clear()
    assert (await client.get("/what-my-lead-sees")).status_code in (303, 307)


async def test_the_worker_keeps_a_leads_pages_and_opened_entries_ready(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    read = await make(t.pat, "note", title="Opened", share_lead=True)
    unread = await make(t.pat, "note", title="Not opened", share_lead=True)
    await support.sign_in(client, t.lee)
    assert (await client.get(f"/team/entries/note/{read.id}")).status_code == 200
    warm = (await client.get("/api/session")).json()["warm"]
    assert {"/team", "/team/shared", "/team/charts", f"/team/entries/note/{read.id}"} <= set(warm)
    assert f"/team/entries/note/{unread.id}" not in warm
    # The worker's fetch keeps the page ready: nobody read it again, and an entry it fetches
    # is not marked read (nor is the read audited twice).
    for entry in (read, unread):
        kept = await client.get(f"/team/entries/note/{entry.id}", headers={"X-Kexpwa-Warm": "1"})
        assert kept.status_code == 200
    assert await audit_actions() == [("team.entry_read", "note", str(read.id))]
    assert "1 not yet read" in (await client.get("/team")).text
    await edit(t.pat, "note", read, share_lead=False)
    warm = (await client.get("/api/session")).json()["warm"]
    assert f"/team/entries/note/{read.id}" not in warm  # no longer shared: not kept
    client.cookies.clear()
    await support.sign_in(client, t.pat)
    warm = (await client.get("/api/session")).json()["warm"]
    assert not [path for path in warm if path.startswith("/team")]

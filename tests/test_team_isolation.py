"""Isolation: a lead reads only what members of the teams they lead share with them now, by
every route and parameter (overview, shared list and its filters and search, entry, charts,
CSV, sync pull). Another team, another authority, private entries and withdrawn ones never
show; a withdrawn entry becomes a tombstone at the lead's next pull."""

from __future__ import annotations

from tests import support
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device
from tests.team_helpers import edit, make, team

SECRET = "Zqx"  # in every title that must never reach the lead


async def test_no_route_or_parameter_shows_what_is_not_shared(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    shared = await make(t.pat, "note", title="Shared note", body="Shared body", share_lead=True)
    await make(t.pat, "note", title=f"{SECRET} private", body=f"{SECRET} body")
    await make(t.pat, "journal", title=f"{SECRET} private reflection")
    withdrawn = await make(t.sam, "journal", title=f"{SECRET} withdrawn", share_lead=True)
    await edit(t.sam, "journal", withdrawn, share_lead=False)
    await make(t.zed, "note", title=f"{SECRET} other team", share_lead=True)
    await make(t.ola, "note", title=f"{SECRET} other authority", share_lead=True)
    await make(t.lee, "note", title=f"{SECRET} lead's own", share_lead=True)
    await make(t.pat, "time", note=f"{SECRET} time note", share_note_lead=False)
    await support.sign_in(client, t.lee)
    who = {"": "", "pat": t.pat.user.id, "zed": t.zed.user.id, "ola": t.ola.user.id}
    paths = ["/team", "/team/charts", "/team/overview.csv", f"/team/entries/note/{shared.id}"]
    for uid in who.values():
        for kind in ("", "note", "journal", "time", "project", "bogus"):
            for q in ("", "private", "withdrawn", "other", "own", "Shared"):
                paths.append(f"/team/shared?who={uid}&type={kind}&q={q}")
    paths += ["/team/shared?page=2", "/team/shared?page=-1", "/team/shared?who=not-a-uuid"]
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert SECRET not in response.text, path
        assert "zed" not in response.text and "ola" not in response.text, path
    listing = await client.get(f"/team/shared?who={t.zed.user.id}")  # not theirs: everyone
    assert "Shared note" in listing.text
    found = await client.get("/team/shared?q=Shared&type=note")
    assert "Shared note" in found.text and "1 entry." in found.text
    none = await client.get("/team/shared?type=journal")
    assert "Shared note" not in none.text and "0 entries." in none.text


async def test_withdrawn_sharing_hides_at_once_and_tombstones_at_the_next_pull(
    client: Client, users: UserFactory
) -> None:
    t = await team(users)
    note = await make(t.pat, "note", title="For Lee", body="Words for Lee", share_lead=True)
    await make(t.pat, "note", title=f"{SECRET} never", share_lead=False)
    device = await Device.signed_in(client, t.lee)
    first = await device.pull_all()
    theirs = [c for c in first if c["record_id"] == str(note.id)]
    assert len(theirs) == 1 and theirs[0]["read_only"] and not theirs[0]["deleted"]
    assert SECRET not in str(first)
    assert "For Lee" in (await client.get("/team/shared")).text
    await edit(t.pat, "note", note, share_lead=False)
    assert "For Lee" not in (await client.get("/team/shared")).text
    assert (await client.get(f"/team/entries/note/{note.id}")).status_code == 404
    later = await device.pull_all()
    gone = [c for c in later if c["record_id"] == str(note.id)]
    assert len(gone) == 1 and gone[0]["deleted"] and gone[0]["data"] is None
    assert "Words for Lee" not in str(later) and SECRET not in str(later)

"""Identifier flags on the server (kexpwa.domain.flags), on SQLite and PostgreSQL: changes from
a form or from sync are flagged, never refused; a flag keeps detector and position, never the
text; "Save anyway" resolves them; edits compute them again; sharing stays off while they are
unresolved (a form answers 422 and keeps the draft; sync holds sharing off or refuses a share);
owners see a badge, a panel and a "Check for identifiers" group, and nobody else sees theirs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from kexpwa import tenancy
from kexpwa.domain import tombstones
from kexpwa.models.flags import IdentifierFlag
from kexpwa.models.records import JournalEntry, Note
from tests.capture_helpers import Person, form, sign_in
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device, note_data

CHI = "1503901009"  # 15 March 1990, mod-11 check digit valid
PHONE = "07700 900123"
BODY = f"Met mum at the clinic; the baby CHI is {CHI}. Follow up next week."
CHI_AT = BODY.index(CHI)


async def flags_of(authority: str, record_id: uuid.UUID) -> list[IdentifierFlag]:
    with tenancy.bound(authority):
        return await IdentifierFlag.filter(record_id=record_id).order_by("field", "start")


async def all_flag_values(authority: str) -> list[dict[str, Any]]:
    with tenancy.bound(authority):
        return list(await IdentifierFlag.all().values())


async def test_a_form_save_with_a_chi_number_is_kept_and_flagged_by_position_only(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.save("note", rid, form("note", body=BODY))
    assert response.status_code == 303  # never refused
    note = await pat.reload("note", rid)
    assert note.body == BODY  # nothing lost
    found = await flags_of(pat.authority, rid)
    assert [(f.field, f.detector, f.start, f.end, f.checked, f.resolved) for f in found] == [
        ("body", "chi", CHI_AT, CHI_AT + 10, True, None)
    ]
    assert found[0].owner_id == pat.user.id and found[0].record_kind == "note"
    # No copy of the text, or of the number, anywhere in the table.
    for row in await all_flag_values(pat.authority):
        for value in row.values():
            assert CHI not in str(value) and "clinic" not in str(value)


async def test_save_anyway_resolves_and_an_edit_computes_the_flags_again(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    await pat.save("note", rid, form("note", body=BODY))
    # The same text, confirmed with a reason: no new version, the flag resolved.
    response = await pat.save("note", rid, form("note", body=BODY, save_anyway="about_me"), 1)
    assert response.status_code == 303
    assert [f.resolved for f in await flags_of(pat.authority, rid)] == ["about_me"]
    assert (await pat.reload("note", rid)).version == 1
    # New text without "Save anyway": computed again, unresolved.
    edited = BODY + f" Mum's phone {PHONE}."
    await pat.save("note", rid, form("note", body=edited), 1)
    found = await flags_of(pat.authority, rid)
    assert [(f.detector, f.resolved) for f in found] == [("chi", None), ("phone", None)]
    assert found[1].start == edited.index(PHONE)
    # The identifiers edited out: no flags left.
    await pat.save("note", rid, form("note", body="Met mum at the clinic."), 2)
    assert await flags_of(pat.authority, rid) == []
    # An unknown reason is bad input: 422, nothing changed.
    bad = await pat.save("note", rid, form("note", body=BODY, save_anyway="because"), 3)
    assert bad.status_code == 422
    assert "Save anyway" in bad.text
    assert (await pat.reload("note", rid)).version == 3
    assert await flags_of(pat.authority, rid) == []


async def test_sharing_a_flagged_entry_from_a_form_is_refused_with_the_draft_kept(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.save("note", rid, form("note", body=BODY, share_lead="true"))
    assert response.status_code == 422
    assert "before you share it" in response.text
    assert BODY in response.text  # the draft is on screen, as typed
    assert client.template.context["identifiers"][0].label.startswith("looks like a CHI")
    assert await pat.reload("note", rid) is None  # nothing stored
    # Saved without sharing: kept, flagged; turning sharing on later is refused too.
    await pat.save("note", rid, form("note", body=BODY))
    again = await pat.save("note", rid, form("note", body=BODY, share_research="true"), 1)
    assert again.status_code == 422
    assert not (await pat.reload("note", rid)).share_research
    # Confirmed: shared.
    ok = await pat.save(
        "note", rid, form("note", body=BODY, share_research="true", save_anyway="yes"), 1
    )
    assert ok.status_code == 303
    note = await pat.reload("note", rid)
    assert note.share_research and note.version == 2
    assert [f.resolved for f in await flags_of(pat.authority, rid)] == ["confirmed"]


async def test_sync_applies_the_text_and_holds_sharing_then_refuses_a_share(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    rid = uuid.uuid4()
    data = note_data(body=BODY, share_lead=True, share_research=True)
    result = (await device.push(device.make(record_id=rid, data=data)))["results"][0]
    assert result["status"] == "applied"
    assert result["sharing_held"] == ["share_lead", "share_research"]
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
    assert note.body == BODY and not note.share_lead and not note.share_research
    assert [f.detector for f in await flags_of("edinburgh", rid)] == ["chi"]

    share = device.make("note.share", record_id=rid, data={"share_lead": True})
    refused = (await device.push(share))["results"][0]
    assert refused["status"] == "rejected" and refused["code"] == "identifiers_unresolved"
    assert "share_lead" in refused["fields"]
    # An upsert bringing no new text cannot turn sharing on either.
    same = device.make(
        record_id=rid, data=note_data(body=BODY, share_lead=True), base_version=note.version
    )
    assert (await device.push(same))["results"][0]["code"] == "identifiers_unresolved"

    confirmed = device.make(
        "note.share", record_id=rid, data={"share_lead": True, "save_anyway": "not_identifier"}
    )
    assert (await device.push(confirmed))["results"][0]["status"] == "applied"
    with tenancy.bound("edinburgh"):
        assert (await Note.get(id=rid)).share_lead
    assert [f.resolved for f in await flags_of("edinburgh", rid)] == ["not_identifier"]

    wrong = device.make(data=note_data(body=BODY, save_anyway="maybe"))
    bad = (await device.push(wrong))["results"][0]
    assert bad["status"] == "rejected" and "save_anyway" in bad["fields"]


async def test_sync_save_anyway_with_sharing_applies_everything(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    rid = uuid.uuid4()
    data = note_data(body=BODY, share_lead=True, save_anyway="yes")
    result = (await device.push(device.make(record_id=rid, data=data)))["results"][0]
    assert result["status"] == "applied" and "sharing_held" not in result
    with tenancy.bound("edinburgh"):
        assert (await Note.get(id=rid)).share_lead
    assert [f.resolved for f in await flags_of("edinburgh", rid)] == ["confirmed"]


async def test_journal_sections_and_time_notes_are_scanned_field_by_field(
    client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    jid, tid = uuid.uuid4(), uuid.uuid4()
    text = "She lives at EH6 4AB with her gran."
    journal = form("journal", **{"sections.learned": text})
    assert (await pat.save("journal", jid, journal)).status_code == 303
    found = await flags_of(pat.authority, jid)
    assert [(f.field, f.detector, f.strong, f.start) for f in found] == [
        ("sections.learned", "postcode", True, text.index("EH6"))
    ]
    with tenancy.bound(pat.authority):
        assert (await JournalEntry.get(id=jid)).sections["learned"] == text
    edit = await client.get(f"/journal/{jid}/edit")
    panel = edit.text.split('id="identifiers"', 1)[1].split("</section>", 1)[0]
    assert "Edinburgh or East Lothian" in panel and "Learned" in panel and "EH6" not in panel
    saved = await pat.save("time", tid, form("time", note=f"Called {PHONE}"))
    assert saved.status_code == 303
    assert [f.detector for f in await flags_of(pat.authority, tid)] == ["phone"]


async def test_the_owner_sees_a_badge_a_panel_and_a_task_and_nobody_else_does(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await sign_in(client, users)
    rid, clean = uuid.uuid4(), uuid.uuid4()
    await pat.save("note", rid, form("note", title="Clinic visit", body=BODY))
    await pat.save("note", clean, form("note", title="Reading", body="Chapter 3."))

    listing = await client.get("/notes")
    rows = {str(r.id) for r in client.template.context["page"].items}
    assert rows == {str(rid), str(clean)}
    assert client.template.context["flagged"] == {rid}
    assert listing.text.count("Check for identifiers") == 1

    edit = await client.get(f"/notes/{rid}/edit")
    panel = edit.text.split('id="identifiers"', 1)[1].split("</section>", 1)[0]
    assert "Looks like a CHI number" in panel and "in Note" in panel
    assert f"characters {CHI_AT + 1} to {CHI_AT + 10}" in panel
    assert CHI not in panel  # the panel names where, never what
    assert "catch names" in panel
    assert 'name="save_anyway"' in panel

    attention = await client.get("/attention")
    assert "Check for identifiers" in attention.text
    assert f'href="http://testserver/notes/{rid}/edit"' in attention.text
    assert "Clinic visit" in attention.text and "Reading" not in attention.text

    # Another practitioner of the same council, and one of the other council: nothing of pat's.
    for authority, name in (("edinburgh", "sam"), ("east-lothian", "ali")):
        other = await sign_in(other_client, users, authority=authority, username=name)
        await other.save("note", uuid.uuid4(), form("note", title="Mine", body="Nothing."))
        assert "Check for identifiers" not in (await other_client.get("/attention")).text
        assert "Check for identifiers" not in (await other_client.get("/notes")).text
        assert (await other_client.get(f"/notes/{rid}/edit")).status_code == 404
        await other_client.post("/logout", data={"csrf_token": other.token})
    assert await all_flag_values("east-lothian") == []

    # Resolved: no badge, no task; the panel says it was saved anyway.
    await pat.save(
        "note", rid, form("note", title="Clinic visit", body=BODY, save_anyway="other"), 1
    )
    assert "Check for identifiers" not in (await client.get("/notes")).text
    assert "Clinic visit" not in (await client.get("/attention")).text
    assert "saved anyway" in (await client.get(f"/notes/{rid}/edit")).text


async def test_a_deleted_entry_leaves_the_task_list(client: Client, users: UserFactory) -> None:
    pat: Person = await sign_in(client, users)
    rid = uuid.uuid4()
    await pat.save("note", rid, form("note", title="Clinic visit", body=BODY))
    response = await pat.post(f"/notes/{rid}/delete", {"id": str(rid), "version": "1"})
    assert response.status_code == 303
    assert "Clinic visit" not in (await client.get("/attention")).text


async def test_purging_a_tombstone_removes_its_flags(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    await pat.save("note", rid, form("note", body=BODY))
    await pat.post(f"/notes/{rid}/delete", {"id": str(rid), "version": "1"})
    assert len(await flags_of(pat.authority, rid)) == 1  # kept while the tombstone is
    with tenancy.bound(pat.authority):
        purged = await tombstones.purge(1, now=datetime.now(UTC) + timedelta(days=2))
    assert purged.counts.get("note") == 1
    assert await flags_of(pat.authority, rid) == []

"""Devices, teams, the audit log, sync health and "Signed-in devices" over HTTP, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from kexpwa import tenancy
from kexpwa.models.account import Role, Team, User, UserSession
from kexpwa.models.audit import AuditEvent
from kexpwa.models.records import Note
from kexpwa.models.sync import SyncClient
from tests import support
from tests.admin_helpers import audited, signed_in_admin
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device, envelope


async def test_revoking_a_device_ends_its_session_and_refuses_it_for_good(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(other_client, pat)
    await phone.push(phone.make())
    with tenancy.bound("edinburgh"):
        registered = await SyncClient.get(id=phone.client_id)
    assert registered.device == "Unknown browser on unknown system"
    page = await client.get(f"/admin/people/{pat.user.id}")
    [row] = client.template.context["devices"]
    assert row.id == phone.client_id and row.open_conflicts == 0
    confirm = await client.get(f"/admin/devices/{phone.client_id}/revoke")
    assert "are lost" in confirm.text and page.status_code == 200
    done = await support.post_form(client, f"/admin/devices/{phone.client_id}/revoke", {})
    assert done.status_code == 303 and "done=revoked" in done.headers["location"]
    assert await audited("device.revoked", actor_id=admin.user.id, target_id=phone.client_id)
    # Its next contact, on pages and on /sync/*, is told "revoked".
    for path in ("/sync/pull", "/api/session"):
        answer = await other_client.get(path)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "revoked", path
    assert (await other_client.get("/notes")).status_code == 303
    # Signed in again on the same install, it still may not push: nothing is taken.
    again = await Device.signed_in(other_client, pat)
    again.client_id, again.next_seq = phone.client_id, 2
    refused = await again.post(envelope(phone.client_id, [again.make()]))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "revoked"
    with tenancy.bound("edinburgh"):
        assert await Note.filter(owner_id=pat.user.id).count() == 1
    # A new install (the device wiped itself) syncs as usual.
    fresh = await Device.signed_in(other_client, pat)
    await fresh.push(fresh.make())
    with tenancy.bound("edinburgh"):
        assert await Note.filter(owner_id=pat.user.id).count() == 2


async def test_a_session_is_tied_to_the_install_it_pushed_from_last(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    """The link is written on a session's first push and whenever it pushes from another
    install (a wiped and reinstalled app keeps its cookie), and not again on every push."""
    await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(other_client, pat)
    await phone.push(phone.make())
    await phone.push(phone.make())  # the link already names this install: nothing to write
    first = phone.client_id
    phone.client_id, phone.next_seq = uuid.uuid4(), 1  # the same session, a new install
    await phone.push(phone.make())
    # The old install is revoked: the session, now this new install's, goes on.
    await support.post_form(client, f"/admin/devices/{first}/revoke", {})
    assert (await other_client.get("/api/session")).status_code == 200
    await phone.push(phone.make())
    # The install it pushed from last is revoked: the session ends with it.
    await support.post_form(client, f"/admin/devices/{phone.client_id}/revoke", {})
    answer = await other_client.get("/api/session")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "revoked"
    with tenancy.bound("edinburgh"):
        assert await Note.filter(owner_id=pat.user.id).count() == 4


async def test_another_authoritys_device_cannot_be_revoked(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    await signed_in_admin(client, users)
    pam = await users("east-lothian", "pam")
    phone = await Device.signed_in(other_client, pam)
    await phone.push(phone.make())
    assert (await client.get(f"/admin/devices/{phone.client_id}/revoke")).status_code == 404
    refused = await support.post_form(client, f"/admin/devices/{phone.client_id}/revoke", {})
    assert refused.status_code == 404
    with tenancy.bound("east-lothian"):
        assert (await SyncClient.get(id=phone.client_id)).revoked_at is None
    assert (await other_client.get("/sync/pull")).status_code == 200


async def test_teams_are_created_renamed_and_given_leads(
    client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    lee = await users("edinburgh", "lee", role=Role.TEAM_LEAD, team="Team A")
    kai = await users("edinburgh", "kai", role=Role.TEAM_LEAD, team=None)
    made = await support.post_form(client, "/admin/teams", {"name": "  North   East "})
    assert made.status_code == 303
    with tenancy.bound("edinburgh"):
        north = await Team.get(name="North East")
    duplicate = await support.post_form(client, "/admin/teams", {"name": "North East"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    await support.post_form(client, f"/admin/teams/{north.id}/name", {"name": "North"})
    leads = {"lead": [str(lee.user.id), str(kai.user.id)]}
    await support.post_form(client, f"/admin/teams/{north.id}/leads", leads)
    with tenancy.bound("edinburgh"):
        north = await Team.get(id=north.id).prefetch_related("leads")
    assert north.name == "North" and {u.username for u in north.leads} == {"lee", "kai"}
    pat = await users("edinburgh", "pat")
    bad = await support.post_form(
        client, f"/admin/teams/{north.id}/leads", {"lead": str(pat.user.id)}
    )
    assert bad.status_code == 422 and "Only active team leads" in bad.text
    for action in ("team.created", "team.renamed", "team.leads_changed"):
        assert await audited(action, actor_id=admin.user.id, target_id=north.id), action


async def test_the_audit_log_filters_pages_and_downloads_as_csv(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    await support.sign_in(other_client, (pat.authority, pat.username, "wrong password!"))
    await support.post_form(client, f"/admin/people/{pat.user.id}/team", {"team": "Team B"})
    await client.get("/admin/audit", params={"who": str(pat.user.id)})
    events = client.template.context["page"].items
    assert {e.action for e in events} >= {"user.created", "signin.failed", "user.moved"}
    assert all(e.actor_id == pat.user.id or e.target_id == str(pat.user.id) for e in events)
    await client.get("/admin/audit", params={"event": "user.moved"})
    assert [e.action for e in client.template.context["page"].items] == ["user.moved"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    await client.get("/admin/audit", params={"from": tomorrow})
    assert client.template.context["page"].total == 0
    odd = await client.get(
        "/admin/audit", params={"from": "2026-02-30", "page": "x", "event": "?", "who": "pat"}
    )
    assert odd.status_code == 200  # unreadable filters are ignored
    with tenancy.bound("edinburgh"):
        for _ in range(60):
            await AuditEvent.create(
                action="signin", actor_id=pat.user.id, actor_role="practitioner"
            )
    first = await client.get("/admin/audit")
    page = client.template.context["page"]
    assert page.pages >= 2 and 'rel="next"' in first.text
    ids = [e.id for e in page.items]
    assert ids == sorted(ids, reverse=True)  # newest first
    download = await client.get("/admin/audit.csv", params={"event": "user.moved"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][:3] == ["at", "action", "actor"] and rows[1][1:3] == ["user.moved", "ada"]
    assert rows[1][5] == "pat"
    assert await audited("audit.exported", actor_id=admin.user.id)


async def test_sync_health_counts_quiet_people_and_open_conflicts(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    phone = await Device.signed_in(other_client, pat)
    await phone.push(phone.make())
    with tenancy.bound("edinburgh"):
        await SyncClient.filter(id=phone.client_id).update(
            last_seen_at=datetime.now(UTC) - timedelta(days=20)
        )
    await client.get("/admin/sync-health", params={"days": "14"})
    quiet = {q.username: q.last_sync for q in client.template.context["quiet"]}
    assert set(quiet) == {"pat", "sam"} and quiet["sam"] is None
    await client.get("/admin/sync-health", params={"days": "30"})
    assert [q.username for q in client.template.context["quiet"]] == ["sam"]
    assert (await client.get("/admin/sync-health", params={"days": "x"})).status_code == 200
    assert client.template.context["conflicts"] == []
    assert sam.user.id


async def test_people_see_and_end_their_own_sessions(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    await support.sign_in(client, pat)
    await support.sign_in(other_client, pat)
    page = await client.get("/account/sessions")
    assert page.status_code == 200 and "this device" in page.text
    found = client.template.context["sessions"]
    assert len(found) == 2
    other = next(s for s in found if s.id != client.template.context["current"])
    own = client.template.context["current"]
    refused = await support.post_form(client, f"/account/sessions/{own}/end", {})
    assert refused.status_code == 400
    ended = await support.post_form(client, f"/account/sessions/{other.id}/end", {})
    assert ended.status_code == 303
    answer = await other_client.get("/sync/pull")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "revoked"
    assert (await client.get("/notes")).status_code == 200
    assert await audited("session.ended", actor_id=pat.user.id, target_id=other.id)
    # Somebody else's session is not theirs to end.
    await support.sign_in(other_client, sam)
    with tenancy.bound("edinburgh"):
        sams = await UserSession.get(user_id=sam.user.id, ended_at=None)
    assert (
        await support.post_form(client, f"/account/sessions/{sams.id}/end", {})
    ).status_code == 404
    assert (await other_client.get("/sync/pull")).status_code == 200
    with tenancy.bound("edinburgh"):
        assert await User.filter(username="sam").exists()

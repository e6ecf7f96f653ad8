"""A council admin's people pages over HTTP, on SQLite and PostgreSQL: every action's effect,
its audit row, and its refusal for other roles and for another authority's people."""

from __future__ import annotations

import uuid

import pytest

from kexpwa import tenancy
from kexpwa.admin import people
from kexpwa.admin.rules import Actor, AdminError
from kexpwa.models.account import Role, User, UserSession
from tests import support
from tests.admin_helpers import audited, signed_in_admin
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device, note_data

PERSON_ACTIONS = [
    ("role", {"role": "team_lead"}),
    ("team", {"team": "Team B"}),
    ("active", {"active": "no"}),
    ("password", {}),
    ("sign-out", {}),
]


async def _user(username: str, authority: str = "edinburgh") -> User:
    with tenancy.bound(authority):
        return await User.get(username=username).prefetch_related("team", "led_teams")


async def test_the_people_list_searches_and_links_each_person(
    client: Client, users: UserFactory
) -> None:
    await signed_in_admin(client, users)
    await users("edinburgh", "pat")
    await users("edinburgh", "sam")
    await users("east-lothian", "pam")  # another council: never listed
    page = await client.get("/admin/people")
    assert page.status_code == 200 and client.template.template == "admin/people.html"
    listed = {p.username for p in client.template.context["page"].items}
    assert listed == {"ada", "pat", "sam"}
    await client.get("/admin/people", params={"q": "pa"})
    assert [p.username for p in client.template.context["page"].items] == ["pat"]


async def test_adding_a_person_shows_a_temporary_password_once_and_it_must_be_changed(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    answer = await support.post_form(
        client,
        "/admin/people",
        {"username": "Nia", "display_name": "Nia Reid", "role": "practitioner", "team": ""},
    )
    assert answer.status_code == 200 and client.template.template == "admin/created.html"
    [(username, password)] = client.template.context["created"]
    assert username == "nia" and password in answer.text
    nia = await _user("nia")
    assert nia.must_change_password and nia.display_name == "Nia Reid"
    assert await audited("user.created", actor_id=admin.user.id, target_id=nia.id)
    # The new person signs in and is sent to change the password before anything else.
    signed = await support.sign_in(other_client, ("edinburgh", "nia", password))
    assert signed.headers["location"].endswith("/account/password")
    assert (await other_client.get("/notes")).headers["location"].endswith("/account/password")
    assert (await other_client.get("/sync/pull")).status_code == 403
    change = {"current": password, "new": "my very own password", "confirm": "my own password"}
    bad = await support.post_form(
        other_client, "/account/password", change, page="/account/password"
    )
    assert bad.status_code == 422 and "not the same" in bad.text
    change["confirm"] = change["new"]
    done = await support.post_form(
        other_client, "/account/password", change, page="/account/password"
    )
    assert done.status_code == 303
    assert (await other_client.get("/notes")).status_code == 200
    assert not (await _user("nia")).must_change_password
    assert await audited("user.password_changed", target_id=nia.id)


async def test_a_bad_new_person_gets_a_message_and_nothing_is_created(
    client: Client, users: UserFactory
) -> None:
    await signed_in_admin(client, users)
    for values, words in (
        ({"username": "x", "role": "practitioner"}, "Usernames are 2 to 64"),
        ({"username": "pat", "role": "research"}, "Choose a role"),
        ({"username": "ada", "role": "admin"}, "already exists"),
    ):
        answer = await support.post_form(client, "/admin/people", values)
        assert answer.status_code == 422 and words in answer.text
    with tenancy.bound("edinburgh"):
        assert await User.all().count() == 1


async def test_role_team_and_activation_take_effect_and_are_audited(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    assert (await support.sign_in(other_client, pat)).status_code == 303
    base = f"/admin/people/{pat.user.id}"

    moved = await support.post_form(client, f"{base}/team", {"team": "Team B"})
    assert moved.status_code == 303 and "done=team" in moved.headers["location"]
    assert (await _user("pat")).team.name == "Team B"  # type: ignore[union-attr]
    assert await audited("user.moved", actor_id=admin.user.id, target_id=pat.user.id)

    await support.post_form(client, f"{base}/role", {"role": "team_lead"})
    lead = await _user("pat")
    assert lead.role == Role.TEAM_LEAD and [t.name for t in lead.led_teams] == ["Team B"]
    assert await audited("user.role_changed", actor_id=admin.user.id, target_id=pat.user.id)
    assert (await other_client.get("/")).status_code == 303  # signs in again under the new role

    await support.post_form(client, f"{base}/active", {"active": "no"})
    assert not (await _user("pat")).is_active
    assert await audited("user.deactivated", actor_id=admin.user.id, target_id=pat.user.id)
    refused = await support.sign_in(other_client, pat)
    assert refused.status_code == 401
    await support.post_form(client, f"{base}/active", {"active": "yes"})
    assert await audited("user.activated", actor_id=admin.user.id, target_id=pat.user.id)
    assert (await support.sign_in(other_client, pat)).status_code == 303


async def test_sign_out_everywhere_revokes_the_persons_sessions(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    assert (await support.sign_in(other_client, pat)).status_code == 303
    done = await support.post_form(client, f"/admin/people/{pat.user.id}/sign-out", {})
    assert done.status_code == 303
    answer = await other_client.get("/sync/pull")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "revoked"
    assert await audited(
        "user.signed_out_everywhere", actor_id=admin.user.id, target_id=pat.user.id
    )


async def test_a_temporary_password_is_shown_once_and_ends_sessions_without_revoking(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    pat = await users("edinburgh", "pat")
    assert (await support.sign_in(other_client, pat)).status_code == 303
    answer = await support.post_form(client, f"/admin/people/{pat.user.id}/password", {})
    temporary = client.template.context["temporary"]
    assert answer.status_code == 200 and temporary in answer.text
    assert "no-store" in answer.headers["cache-control"]
    assert temporary not in (await client.get(f"/admin/people/{pat.user.id}")).text
    ended = await other_client.get("/sync/pull")  # the device keeps its entries
    assert ended.status_code == 401 and ended.json()["error"]["code"] == "unauthenticated"
    assert (await support.sign_in(other_client, pat)).status_code == 401  # old password gone
    signed = await support.sign_in(other_client, ("edinburgh", "pat", temporary))
    assert signed.headers["location"].endswith("/account/password")
    rows = await audited("user.password_reset", actor_id=admin.user.id, target_id=pat.user.id)
    assert rows and temporary not in str(rows[0].detail)


async def test_the_last_admin_cannot_be_removed_nor_deactivate_themself(
    client: Client, users: UserFactory
) -> None:
    admin = await signed_in_admin(client, users)
    base = f"/admin/people/{admin.user.id}"
    demoted = await support.post_form(client, f"{base}/role", {"role": "practitioner"})
    assert demoted.status_code == 422 and "last admin" in demoted.text
    gone = await support.post_form(client, f"{base}/active", {"active": "no"})
    assert gone.status_code == 422 and "cannot deactivate yourself" in gone.text
    assert (await _user("ada")).role == Role.ADMIN
    # With a second admin, one may step down (and signs in again as a practitioner).
    await users("edinburgh", "kay", role=Role.ADMIN, team=None)
    stepped = await support.post_form(client, f"{base}/role", {"role": "practitioner"})
    assert stepped.status_code == 303
    assert (await _user("ada")).role == Role.PRACTITIONER


async def test_nobody_raises_their_own_role(users: UserFactory) -> None:
    lee = await users("edinburgh", "lee", role=Role.TEAM_LEAD)
    with tenancy.bound("edinburgh"):
        with pytest.raises(AdminError, match="raise your own role"):
            await people.set_role(Actor(lee.user.id, "team_lead"), lee.user.id, "admin")
        assert (await User.get(id=lee.user.id)).role == Role.TEAM_LEAD


@pytest.mark.parametrize("action,data", PERSON_ACTIONS)
async def test_other_roles_and_other_authorities_are_refused(
    client: Client, other_client: Client, users: UserFactory, action: str, data: dict[str, str]
) -> None:
    await signed_in_admin(client, users)
    pam = await users("east-lothian", "pam")
    pat = await users("edinburgh", "pat")
    lee = await users("edinburgh", "lee", role=Role.TEAM_LEAD)
    before = await _user("pam", "east-lothian")
    # Another council's person: not found here, and nothing changes there.
    answer = await support.post_form(client, f"/admin/people/{pam.user.id}/{action}", data)
    assert answer.status_code == 404
    after = await _user("pam", "east-lothian")
    assert (after.role, after.team_id, after.is_active, after.password_hash) == (
        before.role,
        before.team_id,
        before.is_active,
        before.password_hash,
    )
    for who in (pat, lee):
        assert (await support.sign_in(other_client, who)).status_code == 303
        refused = await support.post_form(
            other_client, f"/admin/people/{pat.user.id}/{action}", data
        )
        assert refused.status_code == 403
        assert (await other_client.get("/admin/people")).status_code == 403
        await support.post_form(other_client, "/logout", {})
    with tenancy.bound("east-lothian"):
        assert await UserSession.filter(user_id=pam.user.id).count() == 0


async def test_an_unknown_person_is_404(client: Client, users: UserFactory) -> None:
    await signed_in_admin(client, users)
    assert (await client.get(f"/admin/people/{uuid.uuid4()}")).status_code == 404


async def test_an_admin_sees_no_entry_content_anywhere(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(other_client, pat)
    secret = "Sensitive visit words QZX"
    await phone.push(phone.make(data=note_data(title=secret, body=secret)))
    await signed_in_admin(client, users)
    pages = [
        "/",
        "/admin",
        "/admin/people",
        f"/admin/people/{pat.user.id}",
        "/admin/people/new",
        "/admin/people/import",
        "/admin/teams",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/sync-health?days=1",
        f"/admin/devices/{phone.client_id}/revoke",
        "/account/sessions",
    ]
    for path in pages:
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "QZX" not in page.text, path
    # The admin saw Pat's device, never the note.
    assert "First seen" in (await client.get(f"/admin/people/{pat.user.id}")).text

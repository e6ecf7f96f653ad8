"""Sign-in, sessions, revocation, throttling and CSRF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kexpwa import accounts, tenancy
from kexpwa.auth.signin import FAILED
from kexpwa.models.account import Role, User, UserSession
from kexpwa.models.audit import AuditEvent
from kexpwa.settings import Settings
from kexpwa.web.sessions import COOKIE
from tests import support
from tests.support import UserFactory


async def test_login_form_has_the_contract_fields(client: support.Client) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert client.template.template == "auth/login.html"
    choices = [slug for slug, _ in client.template.context["choices"]]
    assert choices == ["edinburgh", "east-lothian", "research"]
    for name in ('name="authority"', 'name="username"', 'name="password"', 'name="csrf_token"'):
        assert name in response.text
    assert '<meta name="csrf-token"' in response.text


async def test_sign_in_and_out(client: support.Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    response = await support.sign_in(client, pat)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; see the production test below
    home = await client.get("/")
    assert home.status_code == 200 and client.template.template == "home.html"
    out = await support.post_form(client, "/logout", {})
    assert out.status_code == 303
    assert (await client.get("/")).status_code == 303  # back to the sign-in page
    with tenancy.bound("edinburgh"):
        actions = [e.action for e in await AuditEvent.all().order_by("id")]
    assert actions[-2:] == ["signin", "signout"]


async def test_wrong_user_and_wrong_password_get_the_same_answer(
    client: support.Client, users: UserFactory
) -> None:
    await users("edinburgh", "pat")
    wrong_password = await support.sign_in(client, ("edinburgh", "pat", "not the password"))
    wrong_user = await support.sign_in(client, ("edinburgh", "nobody", "not the password"))
    assert wrong_password.status_code == wrong_user.status_code == 401
    assert FAILED in wrong_password.text and FAILED in wrong_user.text
    with tenancy.bound("edinburgh"):
        failures = await AuditEvent.filter(action="signin.failed").count()
    assert failures == 2


async def test_audit_never_holds_passwords(client: support.Client, users: UserFactory) -> None:
    await users("edinburgh", "pat")
    await support.sign_in(client, ("edinburgh", "pat", "secret-typo-123"))
    with tenancy.bound("edinburgh"):
        events = await AuditEvent.all().values("detail", "target_id", "action")
    assert "secret-typo-123" not in repr(events)


async def test_throttle_per_account(client: support.Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    for _ in range(5):
        await support.sign_in(client, ("edinburgh", "pat", "wrong password!"))
    blocked = await support.sign_in(client, pat)  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0


async def test_throttle_per_address_across_usernames(
    client: support.Client, users: UserFactory
) -> None:
    sam = await users("edinburgh", "sam")
    for i in range(5):
        await support.sign_in(client, ("edinburgh", f"guess{i}", "wrong password!"))
    assert (await support.sign_in(client, sam)).status_code == 429


async def test_unknown_authority_choice_is_a_clear_error(client: support.Client) -> None:
    response = await support.sign_in(client, ("glasgow", "pat", "whatever-long"))
    assert response.status_code == 422
    assert "Choose your council" in response.text


async def test_post_without_csrf_is_refused(client: support.Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    await client.get("/login")
    response = await client.post(
        "/login", data={"authority": "edinburgh", "username": "pat", "password": pat.password}
    )
    assert response.status_code == 403
    assert "expired" in response.text
    bad = await client.post(
        "/login",
        data={"authority": "edinburgh", "username": "pat", "password": pat.password},
        headers={"X-CSRF-Token": "forged"},
    )
    assert bad.status_code == 403


async def test_csrf_header_works_for_scripts(client: support.Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    token = await support.csrf(client, "/")
    response = await client.post("/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 303


async def test_sign_out_everywhere_revokes_sessions(
    client: support.Client, other_client: support.Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    await support.sign_in(other_client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.sign_out_everywhere(await User.get(id=pat.user.id))
    assert (await client.get("/")).status_code == 303
    assert (await other_client.get("/")).status_code == 303


async def test_deactivation_revokes_and_blocks(client: support.Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.set_active(await User.get(id=pat.user.id), False)
    assert (await client.get("/")).status_code == 303
    again = await support.sign_in(client, pat)
    assert again.status_code == 401


async def test_role_change_is_audited_and_revokes(
    client: support.Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.set_role(await User.get(id=pat.user.id), Role.TEAM_LEAD)
        event = await AuditEvent.get(action="user.role_changed")
    assert event.detail == {"old": "practitioner", "new": "team_lead"}
    assert (await client.get("/")).status_code == 303


@pytest.mark.parametrize("field,age", [("last_seen_at", 4321 * 60), ("created_at", 337 * 3600)])
async def test_idle_and_absolute_lifetimes(
    settings: Settings, client: support.Client, users: UserFactory, field: str, age: int
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    assert (await client.get("/")).status_code == 200
    # The session's times live on the server now: make it as if issued or last used long ago.
    with tenancy.bound("edinburgh"):
        await UserSession.filter(user_id=pat.user.id).update(
            **{field: datetime.now(UTC) - timedelta(seconds=age)}
        )
    assert (await client.get("/")).status_code == 303


async def test_research_account_signs_in_without_an_authority(
    client: support.Client, dbs: object
) -> None:
    await accounts.add_research_account(username="rowan", password=support.PASSWORD)
    response = await support.sign_in(client, ("research", "rowan", support.PASSWORD))
    assert response.status_code == 303
    await client.get("/")
    principal = client.template.context["principal"]
    assert principal.role == Role.RESEARCH and principal.authority is None


async def test_tampered_cookie_is_ignored(client: support.Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    value = client.cookies[COOKIE]
    support.replace_cookie(client, COOKIE, value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB"))
    assert (await client.get("/")).status_code == 303

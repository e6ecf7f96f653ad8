"""Server-side sessions: a cookie saved before its session ended never works again.

Each test saves the browser's cookie while signed in (as someone copying it would), ends the
session one way or another, then replays the saved cookie from a second browser: pages send it
to the sign-in page, htmx gets 401, and ``/sync/*`` gets 401 with ``code: "revoked"`` when the
session was ended on purpose (the device must wipe what it holds), ``unauthenticated`` when it
merely ran out (the device keeps its entries). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2
from itsdangerous import URLSafeSerializer

from kexpwa import accounts, tenancy
from kexpwa.auth import sessions
from kexpwa.jobs import purge as jobs_purge
from kexpwa.models.account import Role, User, UserSession
from kexpwa.models.directory import ResearchSession
from kexpwa.settings import Settings
from kexpwa.web.sessions import COOKIE
from tests import support
from tests.conftest import Client
from tests.support import UserFactory


async def _replay(thief: Client, saved: str, path: str, **kw: Any) -> httpx2.Response:
    """GET ``path`` from another browser holding a copy of the saved cookie."""
    if COOKIE not in thief.cookies:
        await thief.get("/login")
    support.replace_cookie(thief, COOKIE, saved)
    return await thief.get(path, **kw)


async def _assert_refused(thief: Client, saved: str, code: str) -> None:
    page = await _replay(thief, saved, "/notes")
    assert page.status_code == 303 and urlsplit(page.headers["location"]).path == "/login"
    htmx = await _replay(thief, saved, "/notes", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    for path in ("/sync/pull", "/sync/conflicts", "/api/session"):
        answer = await _replay(thief, saved, path)
        assert answer.status_code == 401, path
        assert answer.json()["error"]["code"] == code, path


async def _signed_in_copy(client: Client, thief: Client, who: support.Made) -> str:
    assert (await support.sign_in(client, who)).status_code == 303
    saved = client.cookies[COOKIE]
    assert (await _replay(thief, saved, "/sync/pull")).status_code == 200  # the copy works now
    return saved


async def test_a_cookie_saved_before_sign_out_is_revoked(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    saved = await _signed_in_copy(client, other_client, pat)
    assert (await support.post_form(client, "/logout", {})).status_code == 303
    await _assert_refused(other_client, saved, "revoked")
    with tenancy.bound("edinburgh"):
        row = await UserSession.get(user_id=pat.user.id)
    assert row.ended_at is not None and row.end_reason == "signed_out"


async def test_sign_out_everywhere_revokes_saved_cookies(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    saved = await _signed_in_copy(client, other_client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.sign_out_everywhere(await User.get(id=pat.user.id))
    await _assert_refused(other_client, saved, "revoked")
    assert (await client.get("/")).status_code == 303  # the owner's own browser too


async def test_deactivation_revokes_saved_cookies(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    saved = await _signed_in_copy(client, other_client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.set_active(await User.get(id=pat.user.id), False)
    await _assert_refused(other_client, saved, "revoked")
    with tenancy.bound("edinburgh"):
        await accounts.set_active(await User.get(id=pat.user.id), True)
    # Reactivated: the old session stays ended; signing in again starts a new one.
    await _assert_refused(other_client, saved, "revoked")
    assert (await support.sign_in(client, pat)).status_code == 303


async def test_an_idle_session_is_told_it_expired_not_revoked(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    saved = await _signed_in_copy(client, other_client, pat)
    with tenancy.bound("edinburgh"):
        await UserSession.filter(user_id=pat.user.id).update(
            last_seen_at=datetime.now(UTC) - timedelta(days=4)
        )
    await _assert_refused(other_client, saved, "unauthenticated")


async def test_a_role_change_ends_sessions_without_revoking_the_device(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    saved = await _signed_in_copy(client, other_client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.set_role(await User.get(id=pat.user.id), Role.TEAM_LEAD)
    await _assert_refused(other_client, saved, "unauthenticated")


async def test_a_research_sessions_ends_in_the_directory(
    client: Client, other_client: Client, dbs: object
) -> None:
    await accounts.add_research_account(username="rowan", password=support.PASSWORD)
    assert (
        await support.sign_in(client, ("research", "rowan", support.PASSWORD))
    ).status_code == 303
    saved = client.cookies[COOKIE]
    assert (await _replay(other_client, saved, "/api/session")).status_code == 200
    assert (await support.post_form(client, "/logout", {})).status_code == 303
    assert (await _replay(other_client, saved, "/")).status_code == 303
    answer = await _replay(other_client, saved, "/api/session")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "revoked"
    row = await ResearchSession.get()
    assert row.end_reason == "signed_out"


async def test_the_cookie_holds_only_the_session_id_and_the_database_no_token(
    settings: Settings, client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    signer = URLSafeSerializer(settings.secret_key, salt="kexpwa.session")
    data = signer.loads(client.cookies[COOKIE])
    assert set(data) == {"sid"}
    where, token = data["sid"].rsplit(":", 1)
    assert where == "edinburgh"
    with tenancy.bound("edinburgh"):
        row = await UserSession.get(user_id=pat.user.id)
    assert row.key_hash == sessions.key_hash(token) and token not in row.key_hash
    assert row.device == "Unknown browser on unknown system"  # the test client sends no UA


async def test_last_seen_is_written_at_most_once_a_resolution(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    with tenancy.bound("edinburgh"):
        first = (await UserSession.get(user_id=pat.user.id)).last_seen_at
    for _ in range(3):
        assert (await client.get("/")).status_code == 200
    with tenancy.bound("edinburgh"):
        assert (await UserSession.get(user_id=pat.user.id)).last_seen_at == first
        earlier = datetime.now(UTC) - sessions.SEEN_RESOLUTION - timedelta(seconds=5)
        await UserSession.filter(user_id=pat.user.id).update(last_seen_at=earlier)
    assert (await client.get("/")).status_code == 200
    with tenancy.bound("edinburgh"):
        assert (await UserSession.get(user_id=pat.user.id)).last_seen_at > earlier


async def test_signing_in_over_a_live_session_ends_it(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat, sam = await users("edinburgh", "pat"), await users("edinburgh", "sam")
    saved = await _signed_in_copy(client, other_client, pat)
    assert (
        await support.post_form(
            client,
            "/login",
            {"authority": "edinburgh", "username": sam.username, "password": sam.password},
        )
    ).status_code == 303
    await _assert_refused(other_client, saved, "revoked")


async def test_old_session_records_are_purged(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    await support.post_form(client, "/logout", {})
    await support.sign_in(other_client, pat)  # still live
    day_ago = datetime.now(UTC) - timedelta(days=1)
    with tenancy.bound("edinburgh"):
        assert await sessions.purge(day_ago) == 0
        await UserSession.exclude(ended_at=None).update(ended_at=day_ago - timedelta(days=1))
        await jobs_purge.purge(90)  # the daily job keeps what ended within the offline horizon
        assert await UserSession.all().count() == 2
        assert await sessions.purge(day_ago) == 1
        assert await UserSession.filter(ended_at=None).count() == 1
    assert (await other_client.get("/")).status_code == 200  # the live session still works
    with tenancy.bound("edinburgh"):
        await UserSession.all().update(last_seen_at=datetime.now(UTC) - timedelta(days=91))
        await jobs_purge.purge(90)  # and forgets what went unused for longer
        assert await UserSession.all().count() == 0


async def test_a_revoked_device_is_told_so_at_every_contact_until_it_signs_in(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await support.sign_in(client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.sign_out_everywhere(await User.get(id=pat.user.id))
    for _ in range(2):
        answer = await client.get("/sync/pull")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "revoked"
    assert (await support.sign_in(client, pat)).status_code == 303
    assert (await client.get("/sync/pull")).status_code == 200

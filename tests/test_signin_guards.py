"""Sign-in against hostile input, a stranger who knows a username, and a crowd of sign-ins.

- Odd bytes in the sign-in form (NUL, broken characters, overlong names) get the ordinary
  "do not match" answer, count towards the pause, and never reach the database (issue 9 #11).
- Five wrong passwords from one address no longer lock the account's owner out: the owner's
  correct password from another address still signs in, audited (issue 9 #15).
- argon2 runs off the event loop (issue 9 #14).
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from kexpwa import tenancy
from kexpwa.auth import passwords
from kexpwa.auth.signin import FAILED, HARD_LIMIT_FACTOR, sign_in
from kexpwa.auth.throttle import Throttle
from kexpwa.config import Config
from kexpwa.models.audit import AuditEvent
from tests import support
from tests.conftest import Client
from tests.servers import KexpwaServer

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _raw_sign_in(client: Client, body: str) -> httpx2.Response:
    token = await support.csrf(client)
    return await client.post(
        "/login", content=f"csrf_token={token}&authority=edinburgh&{body}", headers=FORM
    )


@pytest.mark.parametrize(
    "body",
    [
        "username=pat%00&password=correct+horse+battery",
        "username=pat&password=correct+horse+battery%00",
        "username=%00&password=%00%00%00%00%00%00%00%00%00%00",
        "username=pat%ED%A0%80&password=correct+horse+battery",  # an encoded lone surrogate
        "username=" + "p" * 65 + "&password=correct+horse+battery",
        "username=p%C3%A4t&password=correct+horse+battery",
    ],
)
async def test_odd_sign_in_input_is_not_recognised_and_counted(
    client: Client, users: support.UserFactory, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            response = await _raw_sign_in(client, body)
            assert response.status_code == 401
            assert FAILED in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with tenancy.bound("edinburgh"):
        assert await AuditEvent.filter(action="signin.failed").count() == 5
    # The throttle counted them: this address now waits, even with a good password.
    assert (await support.sign_in(client, sam)).status_code == 429


@pytest.mark.parametrize(
    "username,password", [("pat\ud800", "x" * 12), ("pat", "bad\udfffpassword")]
)
async def test_lone_surrogates_are_a_plain_failure(
    dbs: Config, users: support.UserFactory, username: str, password: str
) -> None:
    await users("edinburgh", "pat")
    throttle = Throttle(5, 900)
    outcome = await sign_in(
        throttle, authority="edinburgh", username=username, password=password, client="a"
    )
    assert not outcome.ok and outcome.message == FAILED
    assert throttle.count("addr:a") == 1
    research = await sign_in(
        throttle, authority="research", username=username, password=password, client="a"
    )
    assert not research.ok and research.message == FAILED


async def test_odd_csrf_tokens_are_refused_not_errors(client: Client) -> None:
    await client.get("/login")
    for token in ("%00", "%ED%A0%80", "%C3%A4" * 50):
        response = await client.post(
            "/login", content=f"csrf_token={token}&authority=edinburgh", headers=FORM
        )
        assert response.status_code == 403


# --- a stranger who knows a username (#15) -----------------------------------------------------


def _client_at(app: Starlette, address: str) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=app, client=(address, 40000))
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def addresses(app: Starlette, dbs: Config) -> AsyncIterator[dict[str, httpx2.AsyncClient]]:
    clients = {
        name: _client_at(app, address)
        for name, address in [("stranger", "198.51.100.7"), ("owner", "192.0.2.20")]
    }
    yield clients
    for c in clients.values():
        await c.aclose()


async def test_a_stranger_cannot_lock_the_owner_out(
    addresses: dict[str, httpx2.AsyncClient], users: support.UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    stranger, owner = addresses["stranger"], addresses["owner"]
    for _ in range(5):
        wrong = await support.sign_in(stranger, ("edinburgh", "pat", "wrong password!"))
        assert wrong.status_code == 401
    # The stranger's address is paused, right password or not.
    assert (await support.sign_in(stranger, pat)).status_code == 429
    # The owner, from an address with no failures, signs in; the audit trail says so.
    assert (await support.sign_in(owner, pat)).status_code == 303
    with tenancy.bound("edinburgh"):
        event = await AuditEvent.filter(action="signin").order_by("-id").first()
    assert event is not None and event.detail == {"paused": True}


async def test_during_a_pause_an_address_that_failed_waits(
    app: Starlette, dbs: Config, users: support.UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    for i in range(5):
        async with _client_at(app, f"198.51.100.{i + 1}") as guesser:
            await support.sign_in(guesser, ("edinburgh", "pat", "wrong password!"))
    async with _client_at(app, "203.0.113.50") as other:
        assert (
            await support.sign_in(other, ("edinburgh", "pat", "still wrong!"))
        ).status_code == 401
        # One failure during the pause is enough to hold this address back for this account.
        assert (await support.sign_in(other, pat)).status_code == 429


async def test_many_addresses_guessing_pause_the_account_for_everyone(
    app: Starlette, dbs: Config, users: support.UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    for i in range(5 * HARD_LIMIT_FACTOR):
        async with _client_at(app, f"198.51.100.{i + 1}") as guesser:
            await support.sign_in(guesser, ("edinburgh", "pat", "wrong password!"))
    async with _client_at(app, "192.0.2.20") as owner:
        assert (await support.sign_in(owner, pat)).status_code == 429


# --- argon2 off the event loop (#14) -----------------------------------------------------------


class RecordingHasher(PasswordHasher):
    """The real argon2 hasher, noting which thread each verify ran on."""

    threads: list[int]

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.threads.append(threading.get_ident())
        return super().verify(hash, password)


@pytest.fixture
def recording_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingHasher]:
    hasher = RecordingHasher()
    hasher.threads = []
    monkeypatch.setattr(passwords, "_hasher", hasher)
    yield hasher


async def test_password_checks_run_off_the_event_loop(
    client: Client, users: support.UserFactory, recording_hasher: RecordingHasher
) -> None:
    pat = await users("edinburgh", "pat")
    wrong = await support.sign_in(client, ("edinburgh", "nobody", "wrong password!"))
    assert wrong.status_code == 401
    assert (await support.sign_in(client, pat)).status_code == 303
    loop_thread = threading.get_ident()  # the test's loop runs the app in-process
    assert len(recording_hasher.threads) == 2
    assert loop_thread not in recording_hasher.threads


async def test_healthz_is_answered_while_sign_ins_queue(
    cfg: Config,
    dbs: Config,
    users: support.UserFactory,
    tmp_path: Path,
    standard_password_hashes: None,
) -> None:
    """A real server: twelve sign-ins are sent at once, then /healthz. The health check comes
    back while sign-ins are still waiting for their turn at argon2."""
    people = [await users("edinburgh", f"person{i}") for i in range(12)]
    with KexpwaServer(tmp_path) as server:
        browsers = [server.client() for _ in people]
        try:
            tokens = [await support.csrf(b) for b in browsers]
            finished: list[int] = []

            async def one(i: int) -> None:
                response = await browsers[i].post(
                    "/login",
                    data={
                        "csrf_token": tokens[i],
                        "authority": "edinburgh",
                        "username": people[i].username,
                        "password": people[i].password,
                    },
                )
                assert response.status_code == 303
                finished.append(i)

            sign_ins = [asyncio.create_task(one(i)) for i in range(len(people))]
            await asyncio.sleep(0)  # let every sign-in send its request first
            async with server.client() as probe:
                health = await probe.get("/healthz")
            done_when_healthy = len(finished)
            await asyncio.gather(*sign_ins)
        finally:
            for b in browsers:
                await b.aclose()
    assert health.status_code == 200
    assert done_when_healthy < len(people)

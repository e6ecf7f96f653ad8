"""Notifications over HTTP (SQLite and PostgreSQL): the settings page lists exactly the types a
role can have, saves choices (bad input: a message, nothing changed), takes and forgets this
device's subscription, and sign-out forgets it; the session calendar; the VAPID commands."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.routing import Route

from kexpwa import config as config_module
from kexpwa import db, routes, tenancy
from kexpwa.app import create_app
from kexpwa.cli import cli
from kexpwa.config import Config
from kexpwa.models.account import Role
from kexpwa.models.push import PushPreference, PushSubscription, ReflectionSession
from kexpwa.push import outbox, types, vapid
from kexpwa.settings import Settings
from tests import support
from tests.conftest import Client, make_client
from tests.pushservice import FakeBrowser
from tests.support import Made, UserFactory


@pytest.fixture
async def web(settings: Settings, cfg: Config, dbs: Config) -> AsyncIterator[Client]:
    """A client of an app with a VAPID key that accepts http://127.0.0.1 push endpoints."""
    app = create_app(
        dataclasses.replace(settings, push_allow_http_loopback=True),
        dataclasses.replace(cfg, vapid_private_key=vapid.generate()),
    )
    async with make_client(app) as client:
        yield client


async def signed_in(client: Client, who: Made) -> str:
    response = await support.sign_in(client, who)
    assert response.status_code == 303
    return await support.csrf(client, "/")


def sub_json(name: str = "phone") -> dict[str, object]:
    return FakeBrowser(name, f"http://127.0.0.1:9/push/{name}").json()


async def subs(authority: str = "edinburgh") -> list[PushSubscription]:
    with tenancy.bound(authority):
        return await PushSubscription.all()


async def test_the_page_lists_the_types_of_the_persons_role(
    web: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    await signed_in(web, pat)
    page = await web.get("/notifications")
    assert page.status_code == 200 and web.template.template == "push/settings.html"
    assert [t.name for t in web.template.context["types"]] == [
        t.name for t in types.for_role(Role.PRACTITIONER)
    ]
    assert "digest" not in {t.name for t in web.template.context["types"]}
    for kind in types.for_role(Role.PRACTITIONER):
        assert kind.label in page.text and kind.explains in page.text
    assert web.template.context["public_key"] in page.text  # the applicationServerKey
    lead = await users("edinburgh", "lee", Role.TEAM_LEAD)
    await web.post("/logout", data={"csrf_token": await support.csrf(web, "/")})
    await signed_in(web, lead)
    await web.get("/notifications")
    assert "digest" in {t.name for t in web.template.context["types"]}


def test_every_type_opens_a_page_of_the_app() -> None:
    paths = {r.path for r in routes.build() if isinstance(r, Route) and "GET" in (r.methods or ())}
    for kind in types.TYPES:
        assert kind.path in paths, kind.name


async def test_choices_are_saved_and_bad_ones_change_nothing(
    web: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    token = await signed_in(web, pat)
    form = {
        "csrf_token": token,
        "types": ["weekly", "feedback", "digest"],  # digest: not a practitioner's
        "weekly_day": "0",
        "weekly_hour": "16",
        "quiet_start": "21",
        "quiet_end": "7",
    }
    saved = await web.post("/notifications", data=form)
    assert saved.status_code == 303
    with tenancy.bound("edinburgh"):
        pref = await PushPreference.get(user_id=pat.user.id)
    assert (pref.weekly, pref.feedback, pref.sessions, pref.attention, pref.digest) == (
        True, True, False, False, False,
    )  # fmt: skip
    assert (pref.weekly_day, pref.weekly_hour, pref.quiet_start, pref.quiet_end) == (0, 16, 21, 7)
    assert not pref.quiet_weekends
    for bad in (
        {"weekly_hour": "25"},
        {"quiet_start": "x"},
        {"weekly_day": "9"},
        {"quiet_end": ""},
    ):
        refused = await web.post("/notifications", data={**form, "types": [], **bad})
        assert refused.status_code == 422 and web.template.context["error"]
    with tenancy.bound("edinburgh"):
        assert (await PushPreference.get(user_id=pat.user.id)).weekly_hour == 16


async def test_a_device_subscribes_and_unsubscribes(web: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    token = await signed_in(web, pat)
    body = sub_json()
    assert (await web.post("/notifications/subscription", json=body)).status_code == 403  # CSRF
    headers = {"X-CSRF-Token": token, "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130"}
    made = await web.post("/notifications/subscription", json=body, headers=headers)
    assert made.status_code == 200 and made.json()["devices"] == 1
    again = await web.post("/notifications/subscription", json=body, headers=headers)
    assert again.json()["devices"] == 1  # the same device, kept once
    [sub] = await subs()
    assert sub.user_id == pat.user.id and sub.user_agent == "Chrome on Android"  # type: ignore[attr-defined]
    for bad in (b"[", b"[]", b'{"endpoint": "https://push.example.org/x"}', b"x" * 5000):
        refused = await web.post("/notifications/subscription", content=bad, headers=headers)
        assert refused.status_code == 422 and refused.json()["error"]["message"]
    plain = {**body, "endpoint": "http://push.example.org/x"}
    assert (
        await web.post("/notifications/subscription", json=plain, headers=headers)
    ).status_code == 422
    gone = await web.post(
        "/notifications/subscription/delete", json={"endpoint": body["endpoint"]}, headers=headers
    )
    assert gone.json() == {"removed": True, "devices": 0}
    assert await subs() == []


async def test_loopback_endpoints_need_the_test_setting(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    token = await signed_in(client, pat)
    refused = await client.post(
        "/notifications/subscription", json=sub_json(), headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 422 and "https" in refused.json()["error"]["message"]


async def test_sign_out_forgets_this_devices_subscription_only(
    web: Client, settings: Settings, cfg: Config, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    token = await signed_in(web, pat)
    await web.post(
        "/notifications/subscription", json=sub_json("phone"), headers={"X-CSRF-Token": token}
    )
    async with make_client(
        create_app(dataclasses.replace(settings, push_allow_http_loopback=True), cfg)
    ) as laptop:
        other = await signed_in(laptop, pat)
        await laptop.post(
            "/notifications/subscription", json=sub_json("laptop"), headers={"X-CSRF-Token": other}
        )
    assert len(await subs()) == 2
    assert (await web.post("/logout", data={"csrf_token": token})).status_code == 303
    assert [s.endpoint.rsplit("/", 1)[1] for s in await subs()] == ["laptop"]


async def test_leads_keep_the_session_calendar_that_everyone_reads(
    web: Client, other_client: Client, users: UserFactory
) -> None:
    lee = await users("edinburgh", "lee", Role.TEAM_LEAD)
    pat = await users("edinburgh", "pat")
    token = await signed_in(web, lee)
    form = {"csrf_token": token, "title": "Group 3", "date": "2030-01-15", "time": "09:30"}
    for bad in ({"date": "15/01/2030"}, {"time": "25:99"}, {"title": ""}, {"title": "x" * 121}):
        refused = await web.post("/sessions", data={**form, **bad})
        assert refused.status_code == 422 and web.template.context["error"]
    made = await web.post("/sessions", data={**form, "reading": "Fook and Gardner, chapter 4"})
    assert made.status_code == 303
    mine = await signed_in(other_client, pat)
    page = await other_client.get("/sessions")
    assert "Group 3" in page.text and "Fook and Gardner, chapter 4" in page.text
    assert "09:30" in page.text and not other_client.template.context["can_edit"]
    assert (
        await other_client.post("/sessions", data={**form, "csrf_token": mine})
    ).status_code == 403
    with tenancy.bound("edinburgh"):
        assert await ReflectionSession.all().count() == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the commands are the same
def test_init_adds_a_vapid_key_and_rotation_forgets_every_subscription(
    cfg: Config, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config written before Web Push, with no key. (On SQLite: the commands are the same
    for PostgreSQL, and `init` there costs seconds.)"""
    for name in list(os.environ):
        if name.startswith("KEXPWA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KEXPWA_DATA_DIR", str(tmp_path))
    path = tmp_path / "kexpwa.toml"
    assert not config_module.load(path).vapid_private_key
    runner = CliRunner()
    first = runner.invoke(cli, ["init"])
    assert first.exit_code == 0, first.output
    key = config_module.load(path).vapid_private_key
    assert key and "VAPID" in first.output
    assert runner.invoke(cli, ["init"]).exit_code == 0
    assert config_module.load(path).vapid_private_key == key  # kept

    async def add() -> None:
        async with db.open_databases(cfg):
            pat = await UserFactory()("edinburgh", "pat")
            data = sub_json()
            keys = data["keys"]
            assert isinstance(keys, dict)
            with tenancy.bound("edinburgh"):
                await outbox.subscribe(
                    pat.user.id, uuid.uuid4(), str(data["endpoint"]),
                    keys["p256dh"], keys["auth"], allow_loopback=True,
                )  # fmt: skip

    async def count() -> int:
        async with db.open_databases(cfg):
            with tenancy.bound("edinburgh"):
                return await PushSubscription.all().count()

    asyncio.run(add())
    shown = runner.invoke(cli, ["push-keys"])
    assert vapid.public_key(key) in shown.output
    rotated = runner.invoke(cli, ["push-keys", "--rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "edinburgh: 1 subscription(s) deleted" in rotated.output
    new = config_module.load(path).vapid_private_key
    assert new != key and vapid.public_key(new) in rotated.output
    assert asyncio.run(count()) == 0

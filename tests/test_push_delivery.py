"""Web Push delivery through the real protocol: pywebpush signs and encrypts, the local test
push service (tests/pushservice.py) checks the VAPID JWT and decrypts what arrived. The outbox
is written with the event, each push is sent once (retries, 404/410, two worker processes),
and a payload never carries a name or entry text. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kexpwa import config as config_module
from kexpwa import db, tenancy
from kexpwa.config import Config
from kexpwa.domain import feedback
from kexpwa.domain.errors import Invalid
from kexpwa.jobs.worker import Worker
from kexpwa.models.jobs import DONE, FAILED, PENDING, Job
from kexpwa.models.push import PushNotification, PushSubscription
from kexpwa.push import outbox, types, vapid
from kexpwa.settings import Settings
from tests import pushservice
from tests.pushservice import FakeBrowser, PushService
from tests.support import Made, UserFactory
from tests.team_helpers import make, team

T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday morning: not quiet
NEVER_QUIET = outbox.Choice(
    enabled=frozenset(t.name for t in types.TYPES),
    weekly_day=0,
    weekly_hour=0,
    quiet_start=0,
    quiet_end=0,
    quiet_weekends=False,
)


@pytest.fixture
def vapid_key(cfg: Config, settings: Settings) -> str:
    """The deployment's VAPID key, written into the config file as `kexpwa init` does."""
    key = vapid.generate()
    data = config_module.read_raw(settings.config)
    data["vapid_private_key"] = key
    config_module.write(settings.config, data)
    return key


@pytest.fixture
def service(vapid_key: str) -> Iterator[PushService]:
    with pushservice.running(vapid.public_key(vapid_key)) as running:
        yield running


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, push_allow_http_loopback=True)


async def subscribe(
    who: Made, browser: FakeBrowser, *, choice: outbox.Choice | None = NEVER_QUIET
) -> None:
    data = browser.json()
    with tenancy.bound(who.authority):
        await outbox.subscribe(
            who.user.id, None, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"],
            allow_loopback=True,
        )  # fmt: skip
        if choice is not None:
            names = tuple(t.name for t in types.TYPES)
            await outbox.save_preferences(who.user.id, names, choice)


async def drain(settings: Settings, slugs: tuple[str, ...], now: datetime | None = None) -> int:
    return await Worker(settings, slugs).drain(now, schedule=False)


async def test_a_leads_comment_reaches_each_device_once_with_no_personal_data(
    dbs: Config, users: UserFactory, service: PushService, push_settings: Settings
) -> None:
    t = await team(users)
    entry = await make(t.pat, "journal", title="Visit with Robin Example", share_lead=True)
    phone, laptop = service.browser("phone"), service.browser("laptop")
    await subscribe(t.pat, phone)
    await subscribe(t.pat, laptop)
    await subscribe(t.lee, service.browser("lead-phone"))
    feedback.on_new_comment(outbox.on_feedback)
    try:
        with tenancy.bound("edinburgh"):
            text = "Robin Example at 12 Any Street seemed calmer"
            item = await feedback.comment(t.lee.user, "journal", entry.id, text)
            # Written with the comment, before any worker ran.
            assert await PushNotification.filter(sent_at__isnull=True).count() == 2
            with pytest.raises(Invalid):
                await feedback.comment(t.lee.user, "journal", entry.id, "")
            assert await PushNotification.all().count() == 2  # a refused comment queues nothing
            await feedback.comment(t.pat.user, "journal", entry.id, "Thanks, Lee")  # a reply
            assert await PushNotification.all().count() == 2  # tells nobody
    finally:
        feedback.remove_hook(outbox.on_feedback)
    assert await drain(push_settings, dbs.slugs) == 2
    arrived = service.delivered()
    assert sorted(a.browser for a in arrived) == ["laptop", "phone"], service.refused
    assert not service.refused
    for arrival in arrived:
        kind = types.BY_NAME["feedback"]
        assert arrival.payload["title"] == kind.title and arrival.payload["url"] == "/"
        assert arrival.payload["body"] == kind.body and arrival.headers["topic"]
        raw = json.dumps(arrival.payload).lower()
        for secret in ("robin", "any street", "lee", "pat", "calmer", "visit", str(item.id)):
            assert secret not in raw, secret
        for person in (t.lee.user, t.pat.user):
            assert person.display_name.lower() not in raw and person.username not in raw
    assert await drain(push_settings, dbs.slugs, datetime.now(UTC) + timedelta(days=1)) == 0
    assert len(service.delivered()) == 2  # nothing twice
    with tenancy.bound("edinburgh"):
        assert not await PushNotification.filter(sent_at__isnull=True).exists()
        assert await PushSubscription.filter(last_used_at__isnull=False).count() == 2


async def test_429_with_retry_after_and_500_are_retried_and_delivered_once(
    dbs: Config, users: UserFactory, service: PushService, push_settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    await subscribe(pat, service.browser("phone"))
    service.answer("phone", (429, {"Retry-After": "120"}), (500, {}))
    with tenancy.bound("edinburgh"):
        assert await outbox.queue(pat.user.id, "attention", "attention:x", now=T0) == 1
    assert await drain(push_settings, dbs.slugs, T0) == 1  # 429
    with tenancy.bound("edinburgh"):
        job = await Job.get(name="push.send")
    assert (job.status, job.last_error) == (PENDING, "RetryLater")
    assert job.run_after == T0 + timedelta(seconds=120)  # Retry-After, not the 30 s backoff
    assert await drain(push_settings, dbs.slugs, T0 + timedelta(seconds=119)) == 0
    assert await drain(push_settings, dbs.slugs, T0 + timedelta(seconds=120)) == 1  # 500
    later = T0 + timedelta(hours=1)
    assert await drain(push_settings, dbs.slugs, later) == 1  # accepted
    assert await drain(push_settings, dbs.slugs, later + timedelta(days=1)) == 0
    assert [a.status for a in service.arrivals] == [429, 500, 201]
    assert len(service.delivered()) == 1
    with tenancy.bound("edinburgh"):
        assert (await Job.get(id=job.id)).status == DONE


async def test_a_reminder_held_in_quiet_hours_is_delivered_as_they_end_across_the_change(
    dbs: Config, users: UserFactory, service: PushService, push_settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    friday_evening = dataclasses.replace(
        NEVER_QUIET, enabled=frozenset({"weekly"}), weekly_day=4, weekly_hour=21,
        quiet_start=20, quiet_end=8, quiet_weekends=True,
    )  # fmt: skip
    await subscribe(pat, service.browser("phone"), choice=friday_evening)
    due = datetime(2026, 10, 23, 20, 0, tzinfo=UTC)  # Friday 21:00 BST; the clocks go back Sunday
    assert await Worker(push_settings, dbs.slugs).drain(due) == 0  # queued, held till Monday
    with tenancy.bound("edinburgh"):
        assert await PushNotification.filter(type="weekly").count() == 1
    assert await drain(push_settings, dbs.slugs, datetime(2026, 10, 26, 7, 59, tzinfo=UTC)) == 0
    assert await drain(push_settings, dbs.slugs, datetime(2026, 10, 26, 8, 0, tzinfo=UTC)) == 1
    assert [a.payload["type"] for a in service.delivered()] == ["weekly"]  # Monday 08:00 GMT


async def test_404_and_410_delete_the_subscription_and_a_403_is_not_retried(
    dbs: Config, users: UserFactory, service: PushService, push_settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    for name in ("gone", "expired", "refusing", "fine"):
        await subscribe(pat, service.browser(name))
    service.answer("gone", (404, {}))
    service.answer("expired", (410, {}))
    service.answer("refusing", (403, {}))
    with tenancy.bound("edinburgh"):
        assert await outbox.queue(pat.user.id, "weekly", "weekly:x", now=T0) == 4
    assert await drain(push_settings, dbs.slugs, T0) == 4
    assert await drain(push_settings, dbs.slugs, T0 + timedelta(days=1)) == 0
    with tenancy.bound("edinburgh"):
        left = {s.endpoint.rsplit("/", 1)[1] for s in await PushSubscription.all()}
        assert left == {"refusing", "fine"}
        assert await PushNotification.all().count() == 2  # the deleted devices' went too
        statuses = sorted(await Job.all().values_list("status", flat=True))
    assert statuses == [DONE, DONE, DONE, FAILED]  # the 403 once, no retry
    assert [a.browser for a in service.delivered()] == ["fine"]


async def test_an_unknown_endpoint_host_or_plain_http_is_refused(
    dbs: Config, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    browser = FakeBrowser("x", "http://127.0.0.1:9/push/x")
    keys = browser.json()["keys"]
    refused = (
        ("http://127.0.0.1:9/push/x", False),  # loopback only with the test setting
        ("http://push.example.org/x", True),
        ("https://10.0.0.5/x", True),  # no addresses: the server would post into its network
        ("https://localhost/x", True),
        ("ftp://push.example.org/x", True),
        ("", True),
    )
    with tenancy.bound("edinburgh"):
        for endpoint, loopback in refused:
            with pytest.raises(outbox.PushError):
                await outbox.subscribe(
                    pat.user.id,
                    None,
                    endpoint,
                    keys["p256dh"],
                    keys["auth"],
                    allow_loopback=loopback,
                )
        with pytest.raises(outbox.PushError):
            await outbox.subscribe(
                pat.user.id, None, "https://push.example.org/x", "AAAA", keys["auth"]
            )
        assert not await PushSubscription.exists()
        await outbox.subscribe(
            pat.user.id, None, "https://push.example.org/x", keys["p256dh"], keys["auth"]
        )
        assert await PushSubscription.all().count() == 1


def _worker_process(data_dir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_")}
    env["KEXPWA_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "kexpwa", "worker", "--once"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # SQLite's: test_jobs
async def test_two_worker_processes_deliver_each_notification_once(
    cfg: Config, backend: str, service: PushService, tmp_path: Path
) -> None:
    """Two `kexpwa worker --once` processes drain one outbox at the same time on PostgreSQL
    (the claim is SELECT ... FOR UPDATE SKIP LOCKED)."""
    async with db.open_databases(cfg, global_fallback=False):
        made = UserFactory()
        people = [await made("edinburgh", f"p{n}") for n in range(3)]
        only_attention = dataclasses.replace(NEVER_QUIET, enabled=frozenset({"attention"}))
        for n, person in enumerate(people):
            await subscribe(person, service.browser(f"b{n}"), choice=only_attention)
        with tenancy.bound("edinburgh"):
            for event in range(4):
                for person in people:
                    await outbox.queue(person.user.id, "attention", f"attention:{event}")
            assert await PushNotification.all().count() == 12
    workers = [_worker_process(tmp_path), _worker_process(tmp_path)]
    outputs = await asyncio.gather(
        *(asyncio.to_thread(w.communicate, timeout=120) for w in workers)
    )
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    ran = [int(out.split(" ran ")[1].split()[0]) for out, _ in outputs]
    delivered = service.delivered()
    assert len(delivered) == 12, service.refused
    assert len({(a.browser, a.headers["topic"]) for a in delivered}) == 12
    assert sum(ran) == 12 + 2  # and each authority's daily purge
    async with db.open_databases(cfg, global_fallback=False):
        with tenancy.bound("edinburgh"):
            assert not await PushNotification.filter(sent_at__isnull=True).exists()

"""When notifications are due: quiet hours in London time (across both BST changes), the
weekly time reminder at the person's own day and hour (skipped once they logged time), session
reminders the day before, sync attention and the lead's digest; each queued once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain.days import LONDON
from kexpwa.models.account import Role
from kexpwa.models.jobs import Job
from kexpwa.models.push import PushNotification, ReflectionSession
from kexpwa.models.sync import AppliedMutation, Conflict, SyncClient
from kexpwa.push import outbox, scheduler, types
from kexpwa.push.quiet import Quiet, is_quiet, release
from kexpwa.settings import Settings
from tests.pushservice import FakeBrowser
from tests.support import Made, UserFactory
from tests.team_helpers import make


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


DEFAULT = Quiet()  # 20:00-08:00 and weekends


@pytest.mark.parametrize(
    ("moment", "released"),
    [
        # Wednesday 19:59 BST is not quiet; 20:00 BST waits for 08:00 BST (07:00 UTC).
        (utc(2026, 7, 15, 18, 59), utc(2026, 7, 15, 18, 59)),
        (utc(2026, 7, 15, 19, 0), utc(2026, 7, 16, 7, 0)),
        # The same wall-clock hours in winter are an hour later in UTC.
        (utc(2026, 12, 2, 20, 0), utc(2026, 12, 3, 8, 0)),
        (utc(2026, 12, 3, 7, 59), utc(2026, 12, 3, 8, 0)),
        # Friday 21:00 BST, before the October change: Monday 08:00 GMT (08:00 UTC).
        (utc(2026, 10, 23, 20, 0), utc(2026, 10, 26, 8, 0)),
        # Friday 21:00 GMT, before the March change: Monday 08:00 BST (07:00 UTC).
        (utc(2026, 3, 27, 21, 0), utc(2026, 3, 30, 7, 0)),
        # Saturday noon is quiet all day.
        (utc(2026, 11, 21, 12, 0), utc(2026, 11, 23, 8, 0)),
    ],
)
def test_quiet_hours_hold_a_notification_until_they_end_in_london_time(
    moment: datetime, released: datetime
) -> None:
    assert release(DEFAULT, moment) == released
    assert not is_quiet(DEFAULT, released)


def test_quiet_hours_can_be_daytime_none_or_without_weekends() -> None:
    naps = Quiet(13, 14, weekends=False)
    assert release(naps, utc(2026, 11, 21, 13, 30)) == utc(2026, 11, 21, 14, 0)  # a Saturday
    assert release(Quiet(0, 0, weekends=False), utc(2026, 11, 22, 3, 0)) == utc(2026, 11, 22, 3, 0)
    with pytest.raises(ValueError):
        Quiet(24, 8)


async def device(who: Made, choice: outbox.Choice | None = None) -> None:
    browser = FakeBrowser(who.username, f"https://push.example.org/{uuid.uuid4()}")
    data = browser.json()
    with tenancy.bound(who.authority):
        await outbox.subscribe(
            who.user.id, None, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]
        )
        if choice is not None:
            allowed = tuple(t.name for t in types.for_role(Role(who.user.role)))
            await outbox.save_preferences(who.user.id, allowed, choice)


def choose(*names: str, day: int = 2, hour: int = 9, quiet: Quiet | None = None) -> outbox.Choice:
    quiet = quiet or Quiet(0, 0, weekends=False)
    return outbox.Choice(frozenset(names), day, hour, quiet.start, quiet.end, quiet.weekends)


async def due(who: Made, settings: Settings, now: datetime) -> list[tuple[str, datetime]]:
    """Run the scheduler at ``now``; what is queued for ``who`` so far (type, due)."""
    with tenancy.bound(who.authority):
        await scheduler.run(settings, now)
        rows = PushNotification.filter(subscription__user_id=who.user.id).order_by("created_at")
        return [(n.type, n.due_at) for n in await rows]


async def test_the_weekly_reminder_comes_at_the_chosen_london_hour_in_bst_and_in_gmt(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    await device(pat, choose("weekly", day=2, hour=9))  # Wednesdays at 09:00
    # Wednesday 21 October 2026 is in BST: 09:00 there is 08:00 UTC.
    assert await due(pat, settings, utc(2026, 10, 21, 7, 59)) == []
    sent = [("weekly", utc(2026, 10, 21, 8, 0))]
    assert await due(pat, settings, utc(2026, 10, 21, 8, 0)) == sent
    assert await due(pat, settings, utc(2026, 10, 22, 8, 0)) == sent  # once a week
    # After the clocks go back, 09:00 is 09:00 UTC.
    assert await due(pat, settings, utc(2026, 10, 28, 8, 59)) == sent
    assert await due(pat, settings, utc(2026, 10, 28, 9, 0)) == [
        *sent,
        ("weekly", utc(2026, 10, 28, 9, 0)),
    ]


async def test_no_weekly_reminder_once_time_was_logged_that_week(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    await device(pat, choose("weekly", day=2, hour=9))
    await make(pat, "time", date=date(2026, 11, 16).isoformat(), minutes=45)  # that Monday
    assert await due(pat, settings, utc(2026, 11, 18, 12, 0)) == []
    assert await due(pat, settings, utc(2026, 11, 25, 12, 0)) == [
        ("weekly", utc(2026, 11, 25, 12, 0))
    ]


async def test_a_reminder_chosen_in_quiet_hours_waits_for_them_to_end_across_the_change(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    await device(pat, choose("weekly", day=4, hour=21, quiet=DEFAULT))  # Friday 21:00
    # Friday 23 October 2026, 21:00 BST; held until Monday 26 October, 08:00 GMT.
    assert await due(pat, settings, utc(2026, 10, 23, 20, 0)) == [
        ("weekly", utc(2026, 10, 26, 8, 0))
    ]
    with tenancy.bound("edinburgh"):
        job = await Job.get(name="push.send")
    assert job.run_after == utc(2026, 10, 26, 8, 0)  # no worker sends it before then


async def test_session_reminders_come_the_day_before_and_once(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    lead = await users("edinburgh", "lee", Role.TEAM_LEAD)
    await device(pat, choose("sessions"))
    await device(lead, choose("sessions"))
    with tenancy.bound("edinburgh"):
        meets = datetime(2026, 11, 19, 9, 30, tzinfo=LONDON)
        await ReflectionSession.create(starts_at=meets, title="Group 3", reading="Fook 2007")
    assert await due(pat, settings, utc(2026, 11, 18, 9, 59)) == []  # 09:59 the day before
    assert await due(pat, settings, utc(2026, 11, 18, 10, 0)) == [
        ("sessions", utc(2026, 11, 18, 10, 0))
    ]
    assert len(await due(pat, settings, utc(2026, 11, 18, 15, 0))) == 1
    assert [t for t, _ in await due(lead, settings, utc(2026, 11, 18, 15, 0))] == ["sessions"]


async def test_sync_attention_once_a_day_and_the_digest_for_leads_only(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    lead = await users("edinburgh", "lee", Role.TEAM_LEAD)
    await device(pat, choose("attention", "digest"))
    await device(lead, choose("digest"))
    with tenancy.bound("edinburgh"):
        await Conflict.create(
            mutation_id=uuid.uuid4(), user_id=pat.user.id, kind="note",
            record_id=uuid.uuid4(), base_version=1, server_version=2, payload={},
        )  # fmt: skip
    monday = utc(2026, 11, 23, 8, 0)  # 08:00 GMT
    assert await due(lead, settings, monday - timedelta(minutes=1)) == []
    assert await due(lead, settings, monday) == [("digest", monday)]
    # Queued by the first pass already; no digest: not a lead.
    assert [t for t, _ in await due(pat, settings, monday)] == ["attention"]
    assert len(await due(pat, settings, monday + timedelta(hours=5))) == 1
    assert len(await due(pat, settings, monday + timedelta(days=1))) == 2  # the next day
    assert len(await due(lead, settings, monday + timedelta(days=1))) == 1


async def test_attention_for_a_turned_down_change_and_a_device_not_synced_for_days(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    await device(pat, choose("attention"))
    now = utc(2026, 11, 18, 12, 0)
    with tenancy.bound("edinburgh"):
        client = await SyncClient.create(id=uuid.uuid4(), user_id=pat.user.id)
        await AppliedMutation.create(
            mutation_id=uuid.uuid4(), client_id=client.id, seq=1, user_id=pat.user.id,
            kind="note", record_id=uuid.uuid4(), status="rejected", result={},
        )  # fmt: skip
        await SyncClient.filter(id=client.id).update(last_seen_at=now)  # its last sync
    assert [t for t, _ in await due(pat, settings, now)] == ["attention"]
    # Three weeks later the turned-down change is old news; the silent device is not.
    later = now + timedelta(days=21)
    assert [t for t, _ in await due(pat, settings, later)] == ["attention", "attention"]
    assert len(await due(pat, settings, later + timedelta(hours=1))) == 2  # once a week

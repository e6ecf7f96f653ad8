"""The scheduled notifications of the bound authority, queued by the worker's scheduler loop
(kexpwa.jobs.worker, every few minutes; no cron needed). Each is an event with a fixed key
(this week's reminder, that session, today's attention), so any number of passes and workers
queue it once. Only people with a subscribed device are looked at.

- **weekly**: from the person's chosen day and hour (London) until the week ends, unless they
  logged time that week;
- **sessions**: from 10:00 the day before a reflection-group session;
- **attention**: once a day while a sync conflict waits for them or after the server turned
  down one of their changes, once a week while one of their devices has not synced for
  ``KEXPWA_STALE_SYNC_DAYS``;
- **digest**: team leads who asked for it, from 08:00 on Monday.

Quiet hours then hold each one until they end (:func:`kexpwa.push.outbox.queue`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from tortoise.expressions import Subquery

from kexpwa.domain.days import LONDON, monday_of
from kexpwa.models.account import Role, User
from kexpwa.models.push import PushPreference, PushSubscription, ReflectionSession
from kexpwa.models.reading import WeekTally
from kexpwa.models.sync import AppliedMutation, Conflict, SyncClient
from kexpwa.push import outbox, types
from kexpwa.settings import Settings

SESSION_REMINDER_HOUR = 10
DIGEST_HOUR = 8
TIME_BUCKETS = ("work", "own")


def _london(day: object, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)  # type: ignore[arg-type]


async def _logged_time(user_id: uuid.UUID, monday: object) -> bool:
    return await WeekTally.filter(
        owner_id=user_id, week=monday, bucket__in=TIME_BUCKETS, entries__gt=0
    ).exists()


async def _needs_attention(user_id: uuid.UUID, now: datetime) -> bool:
    """A sync conflict waits for the person, or the server turned down one of their changes
    in the last day (the device keeps it in "Needs attention")."""
    if await Conflict.filter(user_id=user_id, resolved_at__isnull=True).exists():
        return True
    clients = Subquery(SyncClient.filter(user_id=user_id).values("id"))
    return await AppliedMutation.filter(
        client_id__in=clients, status="rejected", applied_at__gte=now - timedelta(days=1)
    ).exists()


async def run(settings: Settings, now: datetime) -> int:
    """Queue every scheduled notification due at ``now`` (aware); returns how many."""
    local = now.astimezone(LONDON)
    today = local.date()
    user_ids = set(await PushSubscription.all().distinct().values_list("user_id", flat=True))
    if not user_ids:
        return 0
    people = await User.filter(id__in=list(user_ids), is_active=True)
    prefs = {p.user_id: p for p in await PushPreference.filter(user_id__in=list(user_ids))}  # type: ignore[attr-defined]
    tomorrow = today + timedelta(days=1)
    sessions: list[uuid.UUID] = []
    if local.hour >= SESSION_REMINDER_HOUR:
        start = _london(tomorrow, 0)
        found = ReflectionSession.filter(
            starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
        )
        sessions = [s.id for s in await found.only("id")]
    stale_before = now - timedelta(days=settings.stale_sync_days)
    queued = 0
    for person in people:
        pref = prefs.get(person.id) or PushPreference(user_id=person.id)
        queued += await _for_person(person, pref, now, sessions, stale_before)
    return queued


async def _for_person(
    person: User,
    pref: PushPreference,
    now: datetime,
    sessions: list[uuid.UUID],
    stale_before: datetime,
) -> int:
    role = Role(person.role)
    allowed = {t.name for t in types.for_role(role)}
    local = now.astimezone(LONDON)
    today = local.date()
    monday = monday_of(today)
    events: list[tuple[str, str]] = []
    if pref.weekly:
        reminder = _london(monday + timedelta(days=pref.weekly_day), pref.weekly_hour)
        if now >= reminder and not await _logged_time(person.id, monday):
            events.append(("weekly", f"weekly:{monday.isoformat()}"))
    if pref.sessions:
        events += [("sessions", f"session:{session_id}") for session_id in sessions]
    if pref.attention:
        if await _needs_attention(person.id, now):
            events.append(("attention", f"attention:{today.isoformat()}"))
        stale = SyncClient.filter(
            user_id=person.id, revoked_at__isnull=True, last_seen_at__lt=stale_before
        )
        if await stale.exists():
            events.append(("attention", f"stale:{monday.isoformat()}"))
    if pref.digest and now >= _london(monday, DIGEST_HOUR):
        events.append(("digest", f"digest:{monday.isoformat()}"))
    queued = 0
    for name, event in events:
        if name in allowed:
            queued += await outbox.queue(person.id, name, event, now=now, pref=pref)
    return queued

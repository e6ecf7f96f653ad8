"""Subscriptions, preferences and the outbox of the bound authority.

:func:`queue` writes an event's notifications (one per device of the person) and the jobs that
send them, in the caller's transaction: the event and its notifications commit together or
not at all. A notification due in the person's quiet hours waits until they end.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.jobs import queue as jobs
from kexpwa.models.feedback import Feedback
from kexpwa.models.push import PushNotification, PushPreference, PushSubscription
from kexpwa.push import types
from kexpwa.push.quiet import Quiet, release

log = logging.getLogger(__name__)

SEND_JOB = "push.send"
SEND_ATTEMPTS = 8  # 429s and 5xx back off from 30 s, doubling: about an hour in all
ENDPOINT_MAX = 1024
LOOPBACK_HOSTS = {"127.0.0.1"}


class PushError(ValueError):
    """A subscription or a preference a person sent is not acceptable; the message says why."""


def _b64url(value: str, size: int, what: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise PushError(f"The browser sent a {what} that is not valid.") from None
    if len(raw) != size:
        raise PushError(f"The browser sent a {what} that is not valid.")
    return value


def check_endpoint(endpoint: str, *, allow_loopback: bool = False) -> str:
    """A push service's URL: ``https`` with a host name, or ``http://127.0.0.1`` when the
    test-only setting allows it. Addresses are refused, so nobody can point the server's
    requests at machines on its own network."""
    if not endpoint or len(endpoint) > ENDPOINT_MAX:
        raise PushError("The browser's push address is missing or too long.")
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if allow_loopback and parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return endpoint
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise PushError("Push addresses must be https URLs.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise PushError("Push addresses must be a push service's https URL.") from None
        return endpoint
    raise PushError("Push addresses must be a push service's https URL.")


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


async def subscribe(
    user_id: uuid.UUID,
    session_id: uuid.UUID | None,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    *,
    allow_loopback: bool = False,
) -> PushSubscription:
    """Keep this device's subscription for the person (a device already known is updated: it
    may have changed hands, or subscribed again with new keys). Raises PushError."""
    check_endpoint(endpoint, allow_loopback=allow_loopback)
    _b64url(p256dh, 65, "public key")
    _b64url(auth, 16, "secret")
    digest = endpoint_hash(endpoint)
    fields: dict[str, Any] = {
        "user_id": user_id,
        "session_id": session_id,
        "endpoint": endpoint,
        "p256dh": p256dh,
        "auth": auth,
        "user_agent": user_agent[:64],
    }
    async with in_transaction(tenancy.alias(tenancy.current())):
        found = await PushSubscription.filter(endpoint_hash=digest).select_for_update().first()
        if found is None:
            return await PushSubscription.create(endpoint_hash=digest, **fields)
        if found.user_id != user_id:  # type: ignore[attr-defined]
            # Another person's notifications never reach the new holder of the device.
            await PushNotification.filter(subscription_id=found.id).delete()
        await PushSubscription.filter(id=found.id).update(**fields)
        await found.refresh_from_db()
        return found


async def unsubscribe(user_id: uuid.UUID, endpoint: str) -> bool:
    """Forget the person's subscription at ``endpoint``; False if there was none."""
    digest = endpoint_hash(endpoint)
    return bool(await PushSubscription.filter(user_id=user_id, endpoint_hash=digest).delete())


async def forget_session(session_id: uuid.UUID) -> int:
    """Sign-out: forget the subscriptions made in that session (this device's)."""
    return await PushSubscription.filter(session_id=session_id).delete()


async def devices(user_id: uuid.UUID) -> int:
    return await PushSubscription.filter(user_id=user_id).count()


async def preferences(user_id: uuid.UUID) -> PushPreference:
    """The person's preferences, or the defaults (unsaved) if they never changed them."""
    found = await PushPreference.get_or_none(user_id=user_id)
    return found or PushPreference(user_id=user_id)


def quiet_of(pref: PushPreference) -> Quiet:
    return Quiet(pref.quiet_start, pref.quiet_end, pref.quiet_weekends)


@dataclass(frozen=True)
class Choice:
    """What the settings form sends: the types switched on, and the hours."""

    enabled: frozenset[str]
    weekly_day: int
    weekly_hour: int
    quiet_start: int
    quiet_end: int
    quiet_weekends: bool


async def save_preferences(user_id: uuid.UUID, allowed: tuple[str, ...], choice: Choice) -> None:
    """Store the person's choice; types outside ``allowed`` (their role's) stay off.
    Raises PushError for an hour or day out of range, changing nothing."""
    if not (0 <= choice.weekly_day <= 6):
        raise PushError("Choose a day of the week for the time reminder.")
    for hour in (choice.weekly_hour, choice.quiet_start, choice.quiet_end):
        if not (0 <= hour <= 23):
            raise PushError("Hours are whole hours from 00:00 to 23:00.")
    values: dict[str, Any] = {
        t.name: t.name in choice.enabled and t.name in allowed for t in types.TYPES
    }
    values.update(
        weekly_day=choice.weekly_day,
        weekly_hour=choice.weekly_hour,
        quiet_start=choice.quiet_start,
        quiet_end=choice.quiet_end,
        quiet_weekends=choice.quiet_weekends,
    )
    async with in_transaction(tenancy.alias(tenancy.current())):
        if await PushPreference.filter(user_id=user_id).update(**values) == 0:
            await PushPreference.create(user_id=user_id, **values)


async def queue(
    user_id: uuid.UUID,
    type_name: str,
    event: str,
    *,
    now: datetime | None = None,
    pref: PushPreference | None = None,
) -> int:
    """Queue the ``type_name`` notification of ``event`` (an opaque id, never personal data)
    for each of the person's devices, unless they switched that type off; in the caller's
    transaction when there is one. Due now, or at the end of their quiet hours. An event is
    queued once per device however often this is called. Returns how many were queued."""
    now = now or datetime.now(UTC)
    if type_name not in types.BY_NAME:
        raise ValueError(f"unknown notification type {type_name!r}")
    pref = pref or await preferences(user_id)
    if not getattr(pref, type_name):
        return 0
    due = release(quiet_of(pref), now)
    queued = 0
    for sub in await PushSubscription.filter(user_id=user_id).only("id"):
        key = f"{event}:{sub.id}"
        if await PushNotification.filter(key=key).exists():
            continue
        try:
            # A savepoint: on PostgreSQL a failed insert would otherwise end the transaction
            # of the event itself (another worker's scheduler queued the same event first).
            async with in_transaction(tenancy.alias(tenancy.current())):
                item = await PushNotification.create(
                    subscription_id=sub.id, type=type_name, key=key, due_at=due
                )
                await jobs.enqueue(
                    SEND_JOB, {"id": item.id}, run_after=due, max_attempts=SEND_ATTEMPTS
                )
        except IntegrityError:
            continue
        queued += 1
    return queued


async def on_feedback(item: Feedback) -> None:
    """The feedback hook (kexpwa.domain.feedback.on_new_comment): a lead's comment tells the
    entry's owner, in the comment's own transaction. A reply by the owner tells nobody."""
    if item.by_owner:
        return
    await queue(item.parent_owner_id, "feedback", f"feedback:{item.id}")

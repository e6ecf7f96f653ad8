"""The ``push.send`` job: deliver one notification from the outbox to its device's push
service, with pywebpush's async sending (the event loop never waits on the network).

- Accepted (2xx): the notification is marked sent, the subscription's last push stamped.
- 404 or 410: the subscription has expired; it is deleted with its notifications.
- 429 and 5xx: tried again later, never sooner than the service's ``Retry-After``.
- Another 4xx (a malformed request, a key the service no longer accepts): given up at once.

Exactly once: the job is claimed by one worker (kexpwa.jobs.queue), a notification already
marked sent is never sent again, and every push carries a ``Topic`` (and the notification a
``tag``) made from its event, so should a worker die between the service accepting a push and
the mark, the repeat replaces the first instead of showing twice.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import aiohttp
from pywebpush import WebPushException, webpush_async

from kexpwa import config as config_module
from kexpwa.models.push import PushNotification, PushSubscription
from kexpwa.push import outbox, types, vapid
from kexpwa.settings import Settings

log = logging.getLogger(__name__)

TTL_SECONDS = 12 * 3600  # a phone switched off longer than this misses a reminder
TIMEOUT = aiohttp.ClientTimeout(total=15)
RETRY_AFTER_CAP = timedelta(hours=6)


class RetryLater(Exception):
    """The push service is busy or failing (429, 5xx): try again, not before ``retry_after``."""

    def __init__(self, status: int, retry_after: timedelta | None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


class Undeliverable(Exception):
    """The push service refused this push for good (a 4xx other than 404, 410 or 429)."""

    final = True  # the worker does not try it again


class NoKey(Exception):
    """The deployment has no VAPID key yet (``kexpwa init`` writes one)."""

    final = True


_keys: dict[Path, tuple[float, str]] = {}


def private_key(settings: Settings) -> str:
    """The deployment's VAPID private key, read from the config file (again when it changes,
    as ``kexpwa push-keys --rotate`` does)."""
    path = settings.config
    mtime = path.stat().st_mtime
    cached = _keys.get(path)
    if cached is None or cached[0] != mtime:
        _keys[path] = (mtime, config_module.load(path).vapid_private_key)
    key = _keys[path][1]
    if not key:
        raise NoKey()
    return key


def topic(key: str) -> str:
    """A push ``Topic`` (at most 32 base64url characters) for an outbox key."""
    digest = hashlib.sha256(key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds, or an HTTP date) as a wait; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        wait = when - now
    return min(max(wait, timedelta(0)), RETRY_AFTER_CAP)


async def deliver(settings: Settings, item: PushNotification, sub: PushSubscription) -> None:
    """Send one push; raises RetryLater or Undeliverable, or returns once it was accepted
    (or the subscription was found expired and deleted)."""
    claims: dict[str, str | int] = {"sub": settings.push_contact}  # fresh: webpush fills it in
    info: dict[str, Any] = {
        "endpoint": sub.endpoint,
        "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
    }
    tag = topic(item.key)
    try:
        await webpush_async(
            info,
            data=types.payload(item.type, tag),
            vapid_private_key=vapid.signer(private_key(settings)),
            vapid_claims=claims,
            ttl=TTL_SECONDS,
            timeout=TIMEOUT,  # type: ignore[arg-type,unused-ignore]
            headers={"Topic": tag, "Urgency": "normal"},
        )
    except WebPushException as exc:
        status = exc.status_code or 0
        if status in (404, 410):
            await PushSubscription.filter(id=sub.id).delete()
            return
        if status == 429 or status >= 500:
            raise RetryLater(status, retry_after(exc.retry_after, datetime.now(UTC))) from None
        raise Undeliverable(status) from None
    now = datetime.now(UTC)
    await PushNotification.filter(id=item.id).update(sent_at=now)
    await PushSubscription.filter(id=sub.id).update(last_used_at=now)


async def handle(settings: Settings, payload: dict[str, Any]) -> None:
    """Job handler: send the outbox notification ``payload["id"]`` if it is still to be sent
    (not yet sent, its device still subscribed, its type still switched on)."""
    item = await PushNotification.get_or_none(id=payload["id"])
    if item is None or item.sent_at is not None:
        return
    sub = await PushSubscription.get_or_none(id=item.subscription_id)  # type: ignore[attr-defined]
    if sub is None:
        return
    pref = await outbox.preferences(sub.user_id)  # type: ignore[attr-defined]
    if not getattr(pref, item.type, False):
        await PushNotification.filter(id=item.id).delete()  # switched off since
        return
    await deliver(settings, item, sub)

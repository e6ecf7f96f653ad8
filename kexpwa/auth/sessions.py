"""Server-side sessions: created at sign-in, checked on every request, ended for good.

A session id is ``<where>:<token>``: ``where`` names the database that holds the record (an
authority slug, or ``RESEARCH`` for the directory) and ``token`` is 32 random bytes. The
browser keeps the id in a signed cookie; the database keeps only the token's SHA-256, so
reading the table gives nobody a usable cookie.

A session ends once, with a reason. Reasons in ``REVOKING`` mean somebody chose to end it (the
person signed out, signed out everywhere, was deactivated, or the device was revoked): the
device is told ``revoked`` and must wipe what it holds. The others (idle, too old, a role
change) are told their session ended: the device keeps its entries and asks the same person to
sign in again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tortoise.models import Model

from kexpwa import tenancy
from kexpwa.models.account import User, UserSession
from kexpwa.models.directory import ResearchAccount, ResearchSession
from kexpwa.models.session import SessionRecord

RESEARCH = "__research__"
SEEN_RESOLUTION = timedelta(seconds=60)  # "last seen" is written at most once a minute


class Reason(StrEnum):
    SIGNED_OUT = "signed_out"
    EVERYWHERE = "everywhere"
    DEACTIVATED = "deactivated"
    DEVICE_REVOKED = "revoked"
    ROLE_CHANGED = "role_changed"
    RESET = "reset"  # an admin set a temporary password
    VERSION = "version"  # session_version bumped without ending the sessions by name
    IDLE = "idle"
    MAX_AGE = "max_age"


REVOKING = frozenset(
    {Reason.SIGNED_OUT, Reason.EVERYWHERE, Reason.DEACTIVATED, Reason.DEVICE_REVOKED}
)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a session id: ``account`` when valid, else ``ended`` (a reason,
    or None for an id no database knows)."""

    where: str
    account: User | ResearchAccount | None = None
    session_id: uuid.UUID | None = None
    ended: Reason | None = None
    device_id: uuid.UUID | None = None  # the sync client the session last pushed from

    @property
    def revoked(self) -> bool:
        return self.ended in REVOKING


def _now() -> datetime:
    return datetime.now(UTC)


def key_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _model(where: str) -> type[UserSession] | type[ResearchSession]:
    return ResearchSession if where == RESEARCH else UserSession


def split(session_id: object) -> tuple[str, str] | None:
    """``(where, token)`` of a well-formed session id for a configured database, else None."""
    if not isinstance(session_id, str) or len(session_id) > 200:
        return None
    where, sep, token = session_id.rpartition(":")
    if not sep or len(token) < 32 or (where != RESEARCH and where not in tenancy.known()):
        return None
    return where, token


async def start(where: str, account: User | ResearchAccount, *, device: str = "") -> str:
    """Record a new session for ``account`` (in ``where``'s database, which must be bound for
    an authority) and return its id for the cookie."""
    token = secrets.token_urlsafe(32)
    now = _now()
    await _model(where).create(
        key_hash=key_hash(token),
        user_id=account.id,
        device=device[:64],
        version=account.session_version,
        created_at=now,
        last_seen_at=now,
    )
    return f"{where}:{token}"


async def _end_rows(model: type[Model], reason: Reason, **filters: object) -> int:
    return await model.filter(ended_at=None, **filters).update(ended_at=_now(), end_reason=reason)


async def end(session_id: object, reason: Reason = Reason.SIGNED_OUT) -> None:
    """End one session by its cookie id (a no-op for an unknown or already ended one)."""
    parts = split(session_id)
    if parts is None:
        return
    where, token = parts
    if where == RESEARCH:
        await _end_rows(ResearchSession, reason, key_hash=key_hash(token))
        return
    with tenancy.bound(where):
        await _end_rows(UserSession, reason, key_hash=key_hash(token))


async def end_all(account: User | ResearchAccount, reason: Reason) -> int:
    """End every open session of ``account``; returns how many. For a council user the
    user's authority must be bound. Takes effect on each device's next request."""
    model = ResearchSession if isinstance(account, ResearchAccount) else UserSession
    return await _end_rows(model, reason, user_id=account.id)


async def open_sessions(where: str, account_id: uuid.UUID) -> list[SessionRecord]:
    """An account's sessions that have not ended, most recently used first (for the
    "Signed-in devices" page). For an authority, ``where`` must be the bound one."""
    query = _model(where).filter(user_id=account_id, ended_at=None)
    return list(await query.order_by("-last_seen_at"))


async def end_own(where: str, account_id: uuid.UUID, session_id: uuid.UUID) -> bool:
    """End one of the account's own sessions (as signing out there would: that device is told
    ``revoked``). False when no such open session is the account's."""
    model = _model(where)
    return await _end_rows(model, Reason.SIGNED_OUT, id=session_id, user_id=account_id) > 0


async def purge(before: datetime, *, research: bool = False) -> int:
    """Delete session records that ended, or were last used, before ``before`` (they can only
    ever answer "ended" again). For authority records the authority must be bound."""
    model = ResearchSession if research else UserSession
    ended = await model.filter(ended_at__lt=before).delete()
    stale = await model.filter(ended_at=None, last_seen_at__lt=before).delete()
    return ended + stale


async def _check_in(where: str, token: str, limits: Lifetimes) -> Checked:
    model = _model(where)
    row = await model.get_or_none(key_hash=key_hash(token)).select_related("user")
    if row is None:
        return Checked(where)
    if row.ended_at is not None:
        try:
            return Checked(where, session_id=row.id, ended=Reason(row.end_reason))
        except ValueError:
            return Checked(where, session_id=row.id, ended=Reason.DEVICE_REVOKED)
    account = row.user
    now = _now()
    reason = None
    if not account.is_active:
        reason = Reason.DEACTIVATED
    elif account.session_version != row.version:
        reason = Reason.VERSION
    elif now - row.created_at > limits.absolute:
        reason = Reason.MAX_AGE
    elif now - row.last_seen_at > limits.idle:
        reason = Reason.IDLE
    if reason is not None:
        await _end_rows(model, reason, id=row.id)
        return Checked(where, session_id=row.id, ended=reason)
    if now - row.last_seen_at > SEEN_RESOLUTION:
        # Cheap: at most one small write a minute per session, never on every request.
        await model.filter(id=row.id).update(last_seen_at=now)
    device = getattr(row, "sync_client_id", None)  # research sessions never sync
    return Checked(where, account=account, session_id=row.id, device_id=device)


async def check(session_id: object, limits: Lifetimes) -> Checked | None:
    """Check a session id from a cookie. None for a malformed id or an unconfigured database;
    otherwise the account (valid) or why the session ended."""
    parts = split(session_id)
    if parts is None:
        return None
    where, token = parts
    if where == RESEARCH:
        return await _check_in(where, token, limits)
    with tenancy.bound(where):
        return await _check_in(where, token, limits)

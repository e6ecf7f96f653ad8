"""Who is asking, and which authority's database their request is bound to.

The cookie names a server-side session (:mod:`kexpwa.auth.sessions`). On every request the
middleware checks it in the database that holds it: not ended (sign-out, sign out everywhere,
deactivation, a revoked device), not idle too long, not too old, the account still active. For
a council user it then binds that user's authority for the whole request
(:func:`kexpwa.tenancy.bound`); a research account is bound to no authority at all.

A session that ended leaves ``scope[ENDED]`` set to ``"revoked"`` (somebody ended it on
purpose: the device must wipe what it holds) or ``"expired"`` (it ran out, or an unknown id:
the device keeps its entries and asks the same person to sign in again).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from kexpwa import tenancy
from kexpwa.auth import sessions
from kexpwa.config import Config
from kexpwa.models.account import Role, User
from kexpwa.settings import Settings
from kexpwa.web.sessions import Session

RESEARCH = sessions.RESEARCH
ENDED = "kexpwa.session_ended"
REVOKED = "revoked"
EXPIRED = "expired"


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    authority: str | None  # None for the research account
    authority_name: str
    session_id: uuid.UUID | None = None  # the server-side session record's id
    must_change_password: bool = False  # signed in with a temporary password
    device_id: uuid.UUID | None = None  # the sync client the session last pushed from


def _derive_csrf(session: Session) -> None:
    # The CSRF token of a signed-in session is derived from its secret token, so the cookie
    # holds nothing but the session id, and a new sign-in always brings a new token.
    sid = str(session["sid"])
    token = hmac.new(sid.encode(), b"kexpwa.csrf", hashlib.sha256).hexdigest()
    session.derive("csrf", token)


def start_session(session: Session, session_id: str) -> None:
    """Put a new session's id (from :func:`kexpwa.auth.sessions.start`) in the cookie. Any
    previous cookie content goes, and the CSRF token changes (against session fixation)."""
    session.clear()
    session["sid"] = session_id
    _derive_csrf(session)


async def end_session(session: Session) -> None:
    """End the cookie's session on the server (signed out) and empty the cookie."""
    await sessions.end(session.get("sid"), sessions.Reason.SIGNED_OUT)
    session.clear()


class PrincipalMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, config: Config) -> None:
        self.app = app
        self.limits = sessions.Lifetimes(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_max_hours),
        )
        self.names = {a.slug: a.name for a in config.authorities}

    async def _load(self, scope: Scope, session: Session) -> Principal | None:
        checked = await sessions.check(session["sid"], self.limits)
        account = checked.account if checked else None
        if checked is None or account is None:
            revoked = checked is not None and checked.revoked
            scope[ENDED] = REVOKED if revoked else EXPIRED
            # Keep the page's token valid, so that a form or sync post from the ended session
            # passes the CSRF check and is told 401 (signed out), not 403.
            _derive_csrf(session)
            if revoked:
                # The cookie stays until the next sign-in, so every contact of this device,
                # not only the first, is told "revoked" (the device may miss one answer).
                return None
            csrf = session["csrf"]
            session.clear()
            session["csrf"] = csrf
            return None
        _derive_csrf(session)
        if checked.where == RESEARCH:
            return Principal(
                account.id,
                account.username,
                account.display_name,
                Role.RESEARCH,
                None,
                "Research",
                checked.session_id,
            )
        assert isinstance(account, User)
        return Principal(
            account.id,
            account.username,
            account.display_name,
            account.role,
            checked.where,
            self.names[checked.where],
            checked.session_id,
            account.must_change_password,
            checked.device_id,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: Session = scope["session"]
        principal = await self._load(scope, session) if "sid" in session else None
        scope["principal"] = principal
        if principal is not None and principal.authority is not None:
            with tenancy.bound(principal.authority):
                await self.app(scope, receive, send)
        else:
            with tenancy.unbound():
                await self.app(scope, receive, send)

"""Who is asking, and which authority's database their request is bound to.

For a signed-in council user the middleware binds that user's authority for the whole request
(:func:`kexpwa.tenancy.bound`), reloads the user, and checks the session is still valid: not
idle too long, not too old, and its ``session_version`` still current (sign out everywhere and
deactivation bump it). A research account is bound to no authority at all.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.models.account import Role, User
from kexpwa.models.directory import ResearchAccount
from kexpwa.settings import Settings
from kexpwa.web.sessions import Session

RESEARCH = "__research__"
SEEN_RESOLUTION = 60  # seconds; avoids rewriting the cookie on every request


@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    authority: str | None  # None for the research account
    authority_name: str


def start_session(session: Session, *, authority: str, user_id: uuid.UUID, version: int) -> None:
    """Begin a signed-in session (a fresh CSRF token too, against session fixation)."""
    from kexpwa.web.csrf import new_token

    now = int(time.time())
    session.clear()
    session.update({"a": authority, "u": str(user_id), "v": version, "iat": now, "seen": now})
    session["csrf"] = new_token()


def end_session(session: Session) -> None:
    session.clear()


class PrincipalMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, config: Config) -> None:
        self.app = app
        self.idle = settings.session_idle_minutes * 60
        self.absolute = settings.session_max_hours * 3600
        self.names = {a.slug: a.name for a in config.authorities}

    def _expired(self, session: Session) -> bool:
        now = time.time()
        try:
            issued, seen = float(session["iat"]), float(session["seen"])
        except (KeyError, TypeError, ValueError):
            return True
        return now - seen > self.idle or now - issued > self.absolute

    async def _load(self, session: Session) -> Principal | None:
        authority, raw_id, version = session.get("a"), session.get("u"), session.get("v")
        try:
            user_id = uuid.UUID(str(raw_id))
        except ValueError:
            return None
        if authority == RESEARCH:
            account = await ResearchAccount.get_or_none(id=user_id, is_active=True)
            if account is None or account.session_version != version:
                return None
            return Principal(
                account.id, account.username, account.display_name, Role.RESEARCH, None, "Research"
            )
        if not isinstance(authority, str) or authority not in tenancy.known():
            return None
        with tenancy.bound(authority):
            user = await User.get_or_none(id=user_id, is_active=True)
        if user is None or user.session_version != version:
            return None
        return Principal(
            user.id, user.username, user.display_name, user.role, authority, self.names[authority]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: Session = scope["session"]
        principal = None
        if "u" in session:
            principal = None if self._expired(session) else await self._load(session)
            if principal is None:
                csrf = session.get("csrf")
                session.clear()
                scope["kexpwa.session_ended"] = True
                if csrf:
                    session["csrf"] = csrf
            elif time.time() - float(session["seen"]) > SEEN_RESOLUTION:
                session["seen"] = int(time.time())
        scope["principal"] = principal
        if principal is not None and principal.authority is not None:
            with tenancy.bound(principal.authority):
                await self.app(scope, receive, send)
        else:
            with tenancy.unbound():
                await self.app(scope, receive, send)

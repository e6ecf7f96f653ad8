"""Signed session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS or always in production).

The cookie holds a small JSON dict signed with itsdangerous, so it cannot be forged. Signed in,
it holds only the session id (``sid``): who, since when and whether the session still holds
live in the database (:mod:`kexpwa.auth.sessions`, checked by :mod:`kexpwa.web.principal`).
Signed out, it holds only the sign-in form's CSRF token. Its ``Max-Age`` is the session's
maximum age, so the browser forgets it no later than the server would refuse it.
"""

from __future__ import annotations

import json
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "kexpwa_session"
KEPT = ("sid", "csrf")  # the only keys ever written to the cookie


class Session(dict[str, Any]):
    """A dict that remembers whether it changed. With a ``sid`` only the sid is written back;
    anything else (the CSRF token derived from it) is recomputed on each request."""

    modified = False

    def derive(self, key: str, value: Any) -> None:
        """Set a value that is recomputed per request and never changes the cookie."""
        super().__setitem__(key, value)

    def payload(self) -> dict[str, Any]:
        if "sid" in self:
            return {"sid": self["sid"]}
        return {key: self[key] for key in KEPT if key in self}

    def __setitem__(self, key: str, value: Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        self.modified = True
        return super().pop(key, *default)


class SessionMiddleware:
    def __init__(self, app: ASGIApp, *, secret_key: str, always_secure: bool, max_age: int) -> None:
        self.app = app
        self.serializer = URLSafeSerializer(secret_key, salt="kexpwa.session")
        self.always_secure = always_secure
        self.max_age = max_age

    def _load(self, raw: str | None) -> Session:
        if not raw:
            return Session()
        try:
            data = self.serializer.loads(raw)
        except (BadSignature, json.JSONDecodeError, UnicodeDecodeError):
            return Session()
        if not isinstance(data, dict):
            return Session()
        return Session({key: data[key] for key in KEPT if isinstance(data.get(key), str)})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session = self._load(connection.cookies.get(COOKIE))
        scope["session"] = session
        secure = self.always_secure or scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified:
                headers = MutableHeaders(scope=message)
                flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                payload = session.payload()
                if payload:
                    value = self.serializer.dumps(payload)
                    headers.append("Set-Cookie", f"{COOKIE}={value}; Max-Age={self.max_age}{flags}")
                else:
                    headers.append("Set-Cookie", f"{COOKIE}=; Max-Age=0{flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)

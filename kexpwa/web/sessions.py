"""Signed session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS or always in production).

The cookie holds a small JSON dict signed with itsdangerous; nothing in it is secret, but it
cannot be forged. Lifetimes and revocation are enforced by :mod:`kexpwa.web.principal`.
"""

from __future__ import annotations

import json
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "kexpwa_session"
MAX_COOKIE_AGE = 400 * 24 * 3600  # browsers cap at 400 days; real expiry is in the payload


class Session(dict[str, Any]):
    """A dict that remembers whether it changed."""

    modified = False

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
    def __init__(self, app: ASGIApp, *, secret_key: str, always_secure: bool) -> None:
        self.app = app
        self.serializer = URLSafeSerializer(secret_key, salt="kexpwa.session")
        self.always_secure = always_secure

    def _load(self, raw: str | None) -> Session:
        if not raw:
            return Session()
        try:
            data = self.serializer.loads(raw)
        except (BadSignature, json.JSONDecodeError, UnicodeDecodeError):
            return Session()
        return Session(data) if isinstance(data, dict) else Session()

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
                if session:
                    value = self.serializer.dumps(dict(session))
                    headers.append(
                        "Set-Cookie", f"{COOKIE}={value}; Max-Age={MAX_COOKIE_AGE}{flags}"
                    )
                else:
                    headers.append("Set-Cookie", f"{COOKIE}=; Max-Age=0{flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)

"""Security headers on every response, and no caching of personal pages.

A response to a signed-in request that sets no Cache-Control of its own gets ``no-store``: no
copy on disk in the browser's HTTP cache, none in a shared cache, none to come back with the
Back button after sign-out. The service worker's page cache is not affected: the worker puts
pages there itself through the Cache Storage API, which ignores ``no-store`` (``static/sw.js``,
``navigate`` and ``warm``), and sign-out deletes it. Everything else gets ``private,
no-cache``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


PERSONAL_CACHE = "no-store"
DEFAULT_CACHE = "private, no-cache"


def apply(headers: MutableHeaders, *, hsts: bool, personal: bool = False) -> None:
    """Add the security headers and a Cache-Control (``no-store`` when ``personal``, for a
    signed-in request) unless the response set its own."""
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if hsts:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages carry case work: never kept by a shared cache, and signed in never kept at all.
    headers.setdefault("Cache-Control", PERSONAL_CACHE if personal else DEFAULT_CACHE)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The principal middleware runs inside this one; by now it has set the scope.
                personal = scope.get("principal") is not None
                apply(MutableHeaders(scope=message), hsts=self.hsts, personal=personal)
            await send(message)

        await self.app(scope, receive, send_with_headers)

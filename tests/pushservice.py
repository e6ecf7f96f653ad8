"""A local test push service: a small HTTP server on 127.0.0.1 playing a browser vendor's push
endpoint, with fake browser subscriptions (a P-256 key pair and a 16-byte auth secret each).

For every push it receives it checks, as a real service does, the VAPID JWT (signature, that
``k`` is the app's public key, the audience and the expiry) and then decrypts the aes128gcm
body with the subscription's private key and auth secret, as the browser would; it records
what arrived (or why it was refused). Tests script its answers per subscription: 201 by
default, or 429 (with Retry-After), 500, 404 or 410.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeBrowser:
    """One browser's subscription: what ``PushSubscription.toJSON()`` would give the app."""

    name: str
    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def json(self) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }


@dataclass
class Arrival:
    browser: str
    payload: dict[str, Any]
    claims: dict[str, Any]
    headers: dict[str, str]
    status: int  # what the service answered


class PushService:
    """Start with :func:`running`; ``browser(name)`` makes a subscription at this service."""

    def __init__(self, app_public_key: str) -> None:
        self.app_public_key = app_public_key
        self.browsers: dict[str, FakeBrowser] = {}
        self.arrivals: list[Arrival] = []  # decrypted pushes the service accepted
        self.refused: list[str] = []  # why a push was refused (bad VAPID, bad encryption)
        self.script: dict[str, deque[tuple[int, dict[str, str]]]] = defaultdict(deque)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def browser(self, name: str) -> FakeBrowser:
        made = FakeBrowser(name, f"{self.origin}/push/{name}")
        self.browsers[name] = made
        return made

    def answer(self, name: str, *answers: tuple[int, dict[str, str]]) -> None:
        """Answer the next pushes to ``name`` with these (status, headers), then 201 again."""
        with self.lock:
            self.script[name].extend(answers)

    def delivered(self, name: str | None = None) -> list[Arrival]:
        with self.lock:
            return [a for a in self.arrivals if a.status == 201 and name in (None, a.browser)]

    def _check(
        self, name: str, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        scheme, _, params = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("no VAPID authorization")
        parts = dict(p.split("=", 1) for p in params.split(","))
        if parts.get("k") != self.app_public_key:
            raise ValueError("k is not the app's public key")
        claims = jwt.decode(parts["t"], parts["k"])  # raises on a bad signature
        if claims.get("aud") != self.origin:
            raise ValueError("wrong audience")
        now = time.time()
        if not (now < int(claims.get("exp", 0)) <= now + 24 * 3600):
            raise ValueError("expired, or expiring more than 24 hours ahead")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("no contact")
        if headers.get("content-encoding") != "aes128gcm" or "ttl" not in headers:
            raise ValueError("not an aes128gcm push with a TTL")
        browser = self.browsers[name]
        plain = http_ece.decrypt(
            body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
        )
        return json.loads(plain), claims

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                name = self.path.rsplit("/", 1)[-1]
                headers = {k.lower(): v for k, v in self.headers.items()}
                if name not in service.browsers:
                    self._reply(404, {})
                    return
                try:
                    payload, claims = service._check(name, headers, body)
                except Exception as exc:
                    with service.lock:
                        service.refused.append(f"{name}: {type(exc).__name__}: {exc}")
                    self._reply(400, {})
                    return
                with service.lock:
                    status, extra = (
                        service.script[name].popleft() if service.script[name] else (201, {})
                    )
                    service.arrivals.append(Arrival(name, payload, claims, headers, status))
                self._reply(status, extra)

            def _reply(self, status: int, extra: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


@contextmanager
def running(app_public_key: str) -> Iterator[PushService]:
    service = PushService(app_public_key)
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()
        thread.join(5)

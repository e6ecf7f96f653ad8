"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect

from kexpwa import config as config_module
from kexpwa import db, routes
from kexpwa import settings as settings_module
from kexpwa.auth import passwords
from kexpwa.auth.throttle import Throttle
from kexpwa.config import Config
from kexpwa.domain import feedback, identifiers
from kexpwa.domain.durations import format_minutes
from kexpwa.push import outbox
from kexpwa.settings import Settings
from kexpwa.web.compression import CompressionMiddleware
from kexpwa.web.errors import client_gone, http_exception, server_error
from kexpwa.web.headers import SecurityHeadersMiddleware
from kexpwa.web.limits import BodyLimitMiddleware
from kexpwa.web.principal import PrincipalMiddleware
from kexpwa.web.sessions import SessionMiddleware
from kexpwa.web.templating import templates

log = logging.getLogger("kexpwa")
LOCAL_HOSTS = ("localhost", "127.0.0.1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")  # noqa: S104 (recognised, never bound)


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host header values the app answers: ``KEXPWA_ALLOWED_HOSTS``, or by default the
    address it serves on and the local names (what `make run` and the test servers use)."""
    if settings.allowed_hosts:
        return list(settings.allowed_hosts)
    hosts = list(LOCAL_HOSTS)
    if settings.host not in WILDCARD_ADDRESSES and settings.host not in hosts:
        hosts.append(settings.host)
    return hosts


def create_app(settings: Settings | None = None, cfg: Config | None = None) -> Starlette:
    """Build the ASGI app. Databases open in the lifespan and close when it ends."""
    settings = settings or settings_module.load()
    cfg = cfg or config_module.load(settings.config)
    passwords.use_profile(settings.password_hash_profile)
    secret = settings.secret_key or cfg.secret_key
    hosts = allowed_hosts(settings)
    if settings.production and not settings.allowed_hosts:
        log.warning("KEXPWA_ALLOWED_HOSTS is not set: only %s are answered", ", ".join(hosts))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from kexpwa.jobs import worker  # the jobs import the domain; the app needs them only here

        async with db.open_databases(cfg), worker.inprocess(settings, cfg):
            yield

    app = Starlette(
        debug=settings.debug,
        routes=routes.build(),
        middleware=[
            # Pages, CSS, JS and sync JSON are text; phones on poor signal pay for every byte.
            Middleware(CompressionMiddleware, minimum_size=500),
            Middleware(SecurityHeadersMiddleware, hsts=settings.production),
            # Absolute URLs and redirects are built from the Host header: refuse strangers'.
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                always_secure=settings.production,
                max_age=settings.session_max_hours * 3600,
            ),
            Middleware(PrincipalMiddleware, settings=settings, config=cfg),
        ],
        exception_handlers={
            HTTPException: http_exception,
            ClientDisconnect: client_gone,
            Exception: server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.config = cfg
    app.state.throttle = Throttle(settings.login_max_failures, settings.login_window_seconds)
    # What the layers below web/ provide to the pages: the kinds' facts and the identifier
    # rules for the offline client's config, and the filters that format domain values.
    app.state.client_kinds = routes.client_kinds()
    app.state.client_identifiers = identifiers.rules()
    templates.env.filters["duration"] = format_minutes
    # A lead's comment queues its push notification in the comment's own transaction.
    feedback.on_new_comment(outbox.on_feedback)
    return app


def asgi() -> Starlette:
    """Entry point for ``uvicorn --factory kexpwa.app:asgi`` (the Procfile uses it)."""
    return create_app()

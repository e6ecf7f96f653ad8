"""Jinja2 templates, with the helpers every page needs: url_for, static URLs, CSRF token.

Filters that format domain values (``duration``) are registered by the app factory, so this
module needs nothing above ``web/``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound, Route
from starlette.templating import Jinja2Templates

from kexpwa.models.account import Role
from kexpwa.web import csrf
from kexpwa.web.assets import HTMX, assets
from kexpwa.web.client import client_config, user_key
from kexpwa.web.htmx import add_vary, is_htmx

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
)
templates.env.globals["static_url"] = assets.url
# The roles whose pages run the sync client: those access.CAPTURE lets push and pull (not
# imported from there: access imports errors, which renders through this module).
SYNCING_ROLES = frozenset({Role.PRACTITIONER, Role.TEAM_LEAD})
templates.env.globals["HTMX"] = HTMX


def _day(value: date | datetime | None) -> str:
    """26 Nov 2026 -> "Thu 26 Nov 2026"; empty for no date."""
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%b %Y}"


def field_id(name: str) -> str:
    """A form field's HTML id: ``sections.incident`` -> ``f-sections-incident``."""
    return "f-" + name.replace(".", "-").replace("_", "-")


@jinja2.pass_context
def _url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
    """``request.url_for`` without its linear search: Starlette tries every route in turn
    (raising and catching NoMatchFound for each), which made url_for most of a list page's
    render time. Named routes are indexed once per router; anything else (mounts, a name
    whose parameters do not fit) falls back to Starlette."""
    request: Request = context["request"]
    router = request.scope.get("router")
    named: dict[str, Route] | None = getattr(router, "_kexpwa_named_routes", None)
    if named is None and router is not None:
        named = {}
        for item in getattr(router, "routes", ()):
            if isinstance(item, Route) and item.name:
                named.setdefault(item.name, item)
        router._kexpwa_named_routes = named
    route = named.get(name) if named else None
    if route is not None:
        try:
            path = route.url_path_for(name, **path_params)
        except NoMatchFound:
            pass
        else:
            return path.make_absolute_url(base_url=request.base_url)
    return request.url_for(name, **path_params)


templates.env.globals["url_for"] = _url_for
templates.env.filters["day"] = _day
templates.env.globals["field_id"] = field_id


class Needs:
    """What a page's parts ask base.html to load: a partial with ``hx-`` attributes calls
    ``{{ needs("htmx") }}``, and only pages that asked load htmx (17 KB compressed; the home
    page and the capture forms do without it). base.html loads them after the content, so
    every part has been rendered by then."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __call__(self, name: str) -> str:
        self.names.add(name)
        return ""

    def __contains__(self, name: object) -> bool:
        return name in self.names


def _context(request: Request) -> dict[str, Any]:
    principal = request.scope.get("principal")
    return {
        "principal": principal,
        "user_key": user_key(request, principal) if principal and principal.authority else "",
        # Whether this person's role syncs entries (an admin's does not: no status line, no
        # sync client, none of /sync's 403s on every page).
        "syncs": bool(principal and principal.role in SYNCING_ROLES),
        # base.html calls it after the content: kx_config(scanning="forms" in needs).
        "kx_config": functools.partial(client_config, request),
        "csrf_token": csrf.token_for(request),
        "is_htmx": is_htmx(request),
        "settings": request.app.state.settings,
        "needs": Needs(),
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    partial: str | None = None,
) -> Response:
    """Render ``name`` (or ``partial`` for an htmx request), with Vary: HX-Request when a
    partial is possible. The same context feeds both, so one partial serves both answers."""
    full = {**_context(request), **(context or {})}
    chosen = partial if partial is not None and is_htmx(request) else name
    response = templates.TemplateResponse(
        request, chosen, full, status_code=status_code, headers=headers
    )
    if partial is not None:
        add_vary(response)
    if full["user_key"]:  # whose page this is, for the service worker's per-person page cache
        response.headers["X-Kexpwa-User"] = full["user_key"]
    return response

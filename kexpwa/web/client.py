"""What the offline client is told about the signed-in user and the app: an opaque per-user key
for its caches, and the client config written into every page as inert JSON (``#kx-config``).

The per-kind facts come from the record kinds' descriptions (kexpwa.domain.kinds); the app
factory hands them over as :class:`ClientKind` values in ``app.state.client_kinds``, and the
identifier rules (kexpwa.domain.identifiers.rules) in ``app.state.client_identifiers``, so this
module needs nothing above ``web/``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.routing import NoMatchFound

from kexpwa.web.assets import HTMX, assets
from kexpwa.web.principal import Principal

CACHE_ATTR = "_kexpwa_client_config"
# Sent by the service worker on the fetches that keep pages ready offline (sw.js, warm()).
WARM_HEADER = "X-Kexpwa-Warm"


def kept_ready(request: Request) -> bool:
    """Whether this request is the worker keeping a page ready offline rather than a person
    opening it: such a fetch marks nothing read or seen and writes no read audit (the pages it
    keeps ready are ones the person opened, and audited, already)."""
    return request.headers.get(WARM_HEADER) == "1"


@dataclass(frozen=True)
class ClientKind:
    """What the client needs of a record kind: its list page's route name, the data
    fields naming a pending item (the first non-empty one is shown), what the phone checks
    before it saves (``{"limits": {field: characters}, "duration": {...}}``, from
    kexpwa.domain.checks: the server's own limits, so the two never differ), its edit page's
    route name (pending items link to it; the worker answers it offline), and the route name of
    the edit form the worker keeps for it (whose labels "Needs attention" uses too)."""

    list_route: str
    label: tuple[str, ...]
    checks: Mapping[str, Any] = field(default_factory=dict)
    edit_route: str = ""
    form_route: str = ""
    # Form fields the phone scans for identifiers before it saves (page/idcheck.js); a name
    # ending in "." is a prefix ("sections." for every section of a journal entry).
    scanned: tuple[str, ...] = ()


ID_MARK = "{id}"  # in the client config's edit paths: the record's id goes there


def user_key(request: Request, principal: Principal) -> str:
    """An opaque, stable key for this user on this deployment: names the device's per-user
    caches without putting any personal data in them."""
    secret = request.app.state.settings.secret_key or request.app.state.config.secret_key
    message = f"{principal.authority}:{principal.id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]


def path_of(request: Request, name: str) -> str | None:
    """The path of the named route, or None when this app has no such route."""
    try:
        return str(request.url_for(name).path)
    except NoMatchFound:
        return None


def edit_path_of(request: Request, name: str) -> str | None:
    """The named per-record route's path with ``{id}`` where the record's id goes."""
    if not name:
        return None
    try:
        return str(request.url_for(name, id=ID_MARK).path)
    except NoMatchFound:
        return None


def _build(request: Request) -> dict[str, Any]:
    kinds: Mapping[str, ClientKind] = request.app.state.client_kinds
    described: dict[str, dict[str, Any]] = {}
    for name, kind in kinds.items():
        path = path_of(request, kind.list_route)
        if path is not None:
            described[name] = {
                "list": path,
                "label": list(kind.label),
                **kind.checks,
                "edit": edit_path_of(request, kind.edit_route),
                "form": path_of(request, kind.form_route) if kind.form_route else None,
                "scanned": list(kind.scanned),
            }
    return {
        "sw": path_of(request, "service_worker"),
        "login": path_of(request, "login"),
        "kinds": described,
        "htmx": assets.url(HTMX),
        "identifiers": getattr(request.app.state, "client_identifiers", None),
    }


def client_config(request: Request, *, scanning: bool = True) -> dict[str, Any]:
    """``{"sw", "login", "kinds": {kind: {"list": path, "label": [field, ...], "limits":
    {field: characters}, ..., "edit": "/notes/{id}/edit", "form": "/notes/offline-edit"}},
    "htmx": htmx's URL (for a page that shows a list in place and has not loaded it),
    "identifiers": the rules page/identifiers.js scans by}``; without ``scanning`` (a page
    with no form checked before it is saved: no js/form.js), ``"identifiers"`` is None, which
    saves such a page about 1.8 KB of HTML. Built once per router (it holds only paths and
    the kinds' fixed rules), not on every render."""
    router = request.scope.get("router")
    cached: dict[bool, dict[str, Any]] | None = getattr(router, CACHE_ATTR, None)
    if cached is None:
        full = _build(request)
        cached = {True: full, False: {**full, "identifiers": None}}
        if router is not None:
            setattr(router, CACHE_ATTR, cached)
    return cached[scanning]

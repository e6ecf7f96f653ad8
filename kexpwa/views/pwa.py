"""The installable-app parts: web manifest, service worker, offline page, "This device",
the "Needs attention" tray, and a small session endpoint for the offline client."""

from __future__ import annotations

import hashlib
import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import NoMatchFound

from kexpwa.domain import journal_templates
from kexpwa.web import csrf
from kexpwa.web.access import principal_of
from kexpwa.web.assets import STATIC_DIR, assets
from kexpwa.web.principal import Principal
from kexpwa.web.templating import render

SW_SOURCE = STATIC_DIR / "sw.js"
# Capture pages the worker caches for the signed-in user when the app starts, so they open
# offline even if they were never visited (names from kexpwa.routes).
WARM_ROUTES = (
    "home",
    "notes",
    "note_new",
    "journal",
    "journal_new",
    "time",
    "time_new",
    "projects",
    "project_new",
    "attention",
    "device",
)


def user_key(request: Request, principal: Principal) -> str:
    """An opaque, stable key for this user on this deployment: names the device's per-user
    caches without putting any personal data in them."""
    secret = request.app.state.settings.secret_key or request.app.state.config.secret_key
    message = f"{principal.authority}:{principal.id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]


def precache_urls() -> list[str]:
    """Every static asset, versioned by content hash. The worker precaches them all."""
    return sorted(assets.url(path) for path in assets.hashes if not path.endswith(".js.map"))


def _sw_source(request: Request) -> str:
    urls = precache_urls()
    offline = str(request.url_for("offline").path)
    # A deploy can force installed apps onto a new worker by changing KEXPWA_BUILD_ID.
    build = request.app.state.settings.build_id
    source = SW_SOURCE.read_text()
    version = hashlib.sha256((source + json.dumps(urls) + build).encode()).hexdigest()[:16]
    return (
        SW_SOURCE.read_text()
        .replace("__VERSION__", version)
        .replace('"__PRECACHE__"', json.dumps([*urls, offline]))
        .replace("__OFFLINE_URL__", offline)
    )


_sw_cache: dict[str, str] = {}


async def service_worker(request: Request) -> Response:
    """``/sw.js`` with the precache manifest written in; a changed asset changes the worker."""
    if "body" not in _sw_cache:
        _sw_cache["body"] = _sw_source(request)
    return Response(
        _sw_cache["body"],
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


async def manifest(request: Request) -> Response:
    icons = [
        {"src": assets.url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": assets.url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": assets.url("icons/maskable-192.png"),
            "sizes": "192x192",
            "type": "image/png",
            "purpose": "maskable",
        },
        {
            "src": assets.url("icons/maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": "kexpwa: research and reflection",
        "short_name": "kexpwa",
        "description": "Fieldwork notes, reflection and time for practitioner research.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f7f7f4",
        "theme_color": "#1d4f73",
        "lang": "en-GB",
        "icons": icons,
    }
    return JSONResponse(
        body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"}
    )


async def offline(request: Request) -> Response:
    """What the worker shows when a page is neither reachable nor cached. No personal data,
    so one copy serves every user."""
    return render(request, "pwa/offline.html", {"principal": None, "user_key": ""})


async def device(request: Request) -> Response:
    return render(request, "pwa/device.html")


async def attention(request: Request) -> Response:
    return render(request, "pwa/attention.html")


async def session_info(request: Request) -> Response:
    """For the offline client: who is signed in (as an opaque key), a fresh CSRF token, and the
    pages to keep ready offline. 401 when signed out."""
    principal = principal_of(request)
    warm = [str(request.url_for(name).path) for name in WARM_ROUTES if _has_route(request, name)]
    if _has_route(request, "journal_new"):
        new_entry = str(request.url_for("journal_new").path)
        warm += [f"{new_entry}?template={key}" for key in journal_templates.TEMPLATES]
    return JSONResponse(
        {"user": user_key(request, principal), "csrf": csrf.token_for(request), "warm": warm},
        headers={"Cache-Control": "no-store"},
    )


def _has_route(request: Request, name: str) -> bool:
    try:
        request.url_for(name)
    except NoMatchFound:
        return False
    return True


LIST_ROUTES = {"note": "notes", "journal": "journal", "time": "time", "project": "projects"}


def client_config(request: Request) -> dict[str, object]:
    """What the offline client needs to know, written into every page as inert JSON."""
    lists = {
        kind: str(request.url_for(name).path)
        for kind, name in LIST_ROUTES.items()
        if _has_route(request, name)
    }
    return {
        "sw": str(request.url_for("service_worker").path),
        "login": str(request.url_for("login").path),
        "lists": lists,
    }

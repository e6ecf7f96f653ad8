"""The installable-app parts: web manifest, service worker, offline page, "This device" and
the "Needs attention" tray. The offline client's session endpoint is kexpwa.views.session."""

from __future__ import annotations

import hashlib
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kexpwa.domain import flags, registry
from kexpwa.web.access import principal_of
from kexpwa.web.assets import assets
from kexpwa.web.client import client_config
from kexpwa.web.templating import render


def precache_urls() -> list[str]:
    """Every static asset, versioned by content hash. The worker precaches them all (but not
    its own source, which is served at ``/sw.js``)."""
    return sorted(
        assets.url(path)
        for path in assets.hashes
        if not path.endswith(".js.map") and path != "sw.js"
    )


def _sw_source(request: Request) -> str:
    urls = precache_urls()
    offline = str(request.url_for("offline").path)
    # A deploy can force installed apps onto a new worker by changing KEXPWA_BUILD_ID.
    build = request.app.state.settings.build_id
    source = assets.served["sw.js"].decode()  # without its comment lines, as every script
    version = hashlib.sha256((source + json.dumps(urls) + build).encode()).hexdigest()[:16]
    return (
        source.replace("__VERSION__", version)
        .replace('"__PRECACHE__"', json.dumps([*urls, offline]))
        .replace("__OFFLINE_URL__", offline)
        # Each kind's list and edit paths: the worker answers an edit page offline.
        .replace('"__KINDS__"', json.dumps(client_config(request)["kinds"]))
        # The app's icon on a push notification (kexpwa.push).
        .replace("__ICON__", assets.url("icons/icon-192.png"))
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
    lists = [(kind.list_title, kind.list_route) for kind in registry.all_kinds()]
    return render(request, "pwa/offline.html", {"principal": None, "user_key": "", "lists": lists})


async def device(request: Request) -> Response:
    return render(request, "pwa/device.html")


async def attention(request: Request) -> Response:
    """The tray (tray.js, from this device's store) and, from the server, the person's entries
    whose identifier flags wait for them ("Check for identifiers")."""
    kinds = request.app.state.client_kinds
    checks = []
    for kind, record in await flags.to_check(principal_of(request).id):
        data = kind.serialize(record)
        described = kinds.get(kind.name)
        label_fields = described.label if described else ()
        name = next((str(data[f]) for f in label_fields if data.get(f)), kind.label.capitalize())
        route = described.edit_route if described else ""
        url = request.url_for(route, id=record.id) if route else None
        checks.append({"kind": kind.label.capitalize(), "name": name, "url": url})
    return render(
        request, "pwa/attention.html", {"identifier_checks": checks, "names_note": flags.NAMES_NOTE}
    )

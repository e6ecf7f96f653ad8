"""The one route table. Every route is declared with its access rule (see kexpwa.web.access);
templates build links from these names with ``url_for``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from kexpwa.views import auth, home, pwa
from kexpwa.web.access import ACCESS_ATTR, COUNCIL_STAFF, PUBLIC, SIGNED_IN, route
from kexpwa.web.assets import STATIC_DIR, VersionedStaticFiles


def _static() -> Mount:
    files = VersionedStaticFiles(directory=STATIC_DIR)
    setattr(files, ACCESS_ATTR, PUBLIC)
    return Mount("/static", app=files, name="static")


def build() -> list[BaseRoute]:
    return [
        route("/", home.home, access=SIGNED_IN, name="home"),
        route("/healthz", home.healthz, access=PUBLIC, name="healthz"),
        route("/login", auth.login_form, access=PUBLIC, name="login"),
        route("/login", auth.login, access=PUBLIC, name="login_submit", methods=["POST"]),
        route("/logout", auth.logout, access=SIGNED_IN, name="logout", methods=["POST"]),
        route("/sw.js", pwa.service_worker, access=PUBLIC, name="service_worker"),
        route("/manifest.webmanifest", pwa.manifest, access=PUBLIC, name="manifest"),
        route("/offline", pwa.offline, access=PUBLIC, name="offline"),
        route("/device", pwa.device, access=COUNCIL_STAFF, name="device"),
        route("/attention", pwa.attention, access=COUNCIL_STAFF, name="attention"),
        route("/api/session", pwa.session_info, access=SIGNED_IN, name="api_session"),
        _static(),
    ]

"""The one route table. Every route is declared with its access rule (see kexpwa.web.access);
templates build links from these names with ``url_for``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from kexpwa.views import auth, home
from kexpwa.web.access import ACCESS_ATTR, PUBLIC, SIGNED_IN, route
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
        _static(),
    ]

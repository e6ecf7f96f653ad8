"""The one route table. Every route is declared with its access rule (see kexpwa.web.access);
templates build links from these names with ``url_for``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from starlette.routing import BaseRoute, Mount

from kexpwa.views import auth, capture, home, journal, notes, projects, pwa, team, timelog
from kexpwa.views import sync as sync_views
from kexpwa.web.access import (
    ACCESS_ATTR,
    CAPTURE,
    COUNCIL_STAFF,
    PUBLIC,
    SIGNED_IN,
    TEAM_LEADS,
    route,
)
from kexpwa.web.assets import STATIC_DIR, VersionedStaticFiles


def _static() -> Mount:
    files = VersionedStaticFiles(directory=STATIC_DIR)
    setattr(files, ACCESS_ATTR, PUBLIC)
    return Mount("/static", app=files, name="static")


def _capture(path: str, views: Any, stem: str, plural: str) -> list[BaseRoute]:
    """A capture area's routes: list, new, recently deleted, and per record (by its UUID)
    save (create or change), edit, delete and restore. See kexpwa.views.capture."""
    one, post = f"{path}/{{id:uuid}}", ["POST"]
    shared = capture.endpoints(views.AREA)
    views = SimpleNamespace(
        **{**shared, **{n: getattr(views, n) for n in shared if hasattr(views, n)}},
        index=views.index,
    )
    return [
        route(path, views.index, access=CAPTURE, name=plural),
        route(f"{path}/new", views.new, access=CAPTURE, name=f"{stem}_new"),
        route(f"{path}/deleted", views.deleted, access=CAPTURE, name=f"{plural}_deleted"),
        route(one, views.save, access=CAPTURE, name=f"{stem}_save", methods=post),
        route(f"{one}/edit", views.edit, access=CAPTURE, name=f"{stem}_edit"),
        route(f"{one}/delete", views.delete, access=CAPTURE, name=f"{stem}_delete", methods=post),
        route(
            f"{one}/restore", views.restore, access=CAPTURE, name=f"{stem}_restore", methods=post
        ),
    ]


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
        route("/team", team.index, access=TEAM_LEADS, name="team"),
        route("/api/session", pwa.session_info, access=SIGNED_IN, name="api_session"),
        *_capture("/notes", notes, "note", "notes"),
        *_capture("/journal", journal, "journal", "journal"),
        route("/journal/{id:uuid}", journal.entry, access=CAPTURE, name="journal_entry"),
        *_capture("/time", timelog, "time", "time"),
        *_capture("/projects", projects, "project", "projects"),
        route("/projects/{id:uuid}", projects.show, access=CAPTURE, name="project"),
        route("/sync/push", sync_views.push, access=CAPTURE, name="sync_push", methods=["POST"]),
        route("/sync/pull", sync_views.pull, access=CAPTURE, name="sync_pull"),
        route("/sync/conflicts", sync_views.conflict_list, access=CAPTURE, name="sync_conflicts"),
        _static(),
    ]

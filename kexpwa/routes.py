"""The one route table. Every route is declared with its access rule (see kexpwa.web.access);
templates build links from these names with ``url_for``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from kexpwa.domain import checks, registry
from kexpwa.views import (
    auth,
    capture,
    feedback,
    home,
    journal,
    notes,
    projects,
    pwa,
    session,
    team,
    timelog,
)
from kexpwa.views import sync as sync_views
from kexpwa.views.capture import Endpoint
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
from kexpwa.web.client import ClientKind


def _static() -> Mount:
    files = VersionedStaticFiles(directory=STATIC_DIR)
    setattr(files, ACCESS_ATTR, PUBLIC)
    return Mount("/static", app=files, name="static")


def _capture(path: str, area: capture.Area, index: Endpoint, **own: Endpoint) -> list[BaseRoute]:
    """A capture area's routes: list, new, recently deleted, the edit form the worker fills
    offline (``offline-edit``), and per record (by its UUID)
    save (create or change), edit, delete and restore. The shared pages come from
    kexpwa.views.capture; ``own`` names the ones the area replaces (the journal's ``new``)."""
    one, post, list_name = f"{path}/{{id:uuid}}", ["POST"], area.list_route
    views = capture.endpoints(area, overrides=own)
    name = area.name
    return [
        route(path, index, access=CAPTURE, name=list_name),
        route(f"{path}/new", views["new"], access=CAPTURE, name=name("new")),
        route(f"{path}/deleted", views["deleted"], access=CAPTURE, name=f"{list_name}_deleted"),
        route(
            f"{path}/offline-edit",
            views["offline_edit"],
            access=CAPTURE,
            name=name("offline_edit"),
        ),
        route(one, views["save"], access=CAPTURE, name=name("save"), methods=post),
        route(f"{one}/edit", views["edit"], access=CAPTURE, name=name("edit")),
        route(f"{one}/delete", views["delete"], access=CAPTURE, name=name("delete"), methods=post),
        route(
            f"{one}/restore", views["restore"], access=CAPTURE, name=name("restore"), methods=post
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
        route("/team/overview.csv", team.overview_csv, access=TEAM_LEADS, name="team_csv"),
        route("/team/shared", team.shared, access=TEAM_LEADS, name="team_shared"),
        route("/team/charts", team.charts_page, access=TEAM_LEADS, name="team_charts"),
        route(
            "/team/entries/{kind:str}/{id:uuid}",
            team.entry,
            access=TEAM_LEADS,
            name="team_entry",
        ),
        route(
            "/feedback/{kind:str}/{id:uuid}",
            feedback.post,
            access=CAPTURE,
            name="feedback_post",
            methods=["POST"],
        ),
        route("/what-my-lead-sees", team.what_lead_sees, access=CAPTURE, name="what_my_lead_sees"),
        route("/api/session", session.session_info, access=SIGNED_IN, name="api_session"),
        *_capture("/notes", notes.AREA, notes.index),
        *_capture("/journal", journal.AREA, journal.index, new=journal.new),
        route("/journal/{id:uuid}", journal.entry, access=CAPTURE, name="journal_entry"),
        *_capture("/time", timelog.AREA, timelog.index),
        *_capture("/projects", projects.AREA, projects.index),
        route("/projects/{id:uuid}", projects.show, access=CAPTURE, name="project"),
        route("/sync/push", sync_views.push, access=CAPTURE, name="sync_push", methods=["POST"]),
        route("/sync/pull", sync_views.pull, access=CAPTURE, name="sync_pull"),
        route("/sync/conflicts", sync_views.conflict_list, access=CAPTURE, name="sync_conflicts"),
        _static(),
    ]


def client_kinds() -> dict[str, ClientKind]:
    """Each record kind's facts for the offline client's config (see kexpwa.web.client)."""
    areas = {a.kind: a for a in (notes.AREA, journal.AREA, timelog.AREA, projects.AREA)}
    return {
        k.name: ClientKind(
            k.list_route,
            k.client_label,
            checks.for_kind(k.name),
            edit_route=areas[k.name].name("edit") if k.name in areas else "",
            form_route=areas[k.name].name("offline_edit") if k.name in areas else "",
            scanned=tuple(f"{f}." if f in k.form.maps else f for f in k.scanned),
        )
        for k in registry.all_kinds()
    }

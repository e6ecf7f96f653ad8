"""The one route table. Every route is declared with its access rule (see kexpwa.web.access);
templates build links from these names with ``url_for``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from kexpwa.domain import checks, registry
from kexpwa.models.account import Role
from kexpwa.views import (
    account,
    admin_devices,
    admin_import,
    admin_log,
    admin_people,
    admin_teams,
    auth,
    capture,
    exports,
    feedback,
    home,
    journal,
    notes,
    participation,
    projects,
    push,
    pwa,
    session,
    team,
    timelog,
)
from kexpwa.views import sync as sync_views
from kexpwa.views.area import Area
from kexpwa.views.capture import Endpoint
from kexpwa.web.access import (
    ACCESS_ATTR,
    ADMINS,
    CAPTURE,
    COUNCIL_STAFF,
    PUBLIC,
    RESEARCH,
    SIGNED_IN,
    TEAM_LEADS,
    roles,
    route,
)
from kexpwa.web.assets import STATIC_DIR, VersionedStaticFiles
from kexpwa.web.client import ClientKind


def _static() -> Mount:
    files = VersionedStaticFiles(directory=STATIC_DIR)
    setattr(files, ACCESS_ATTR, PUBLIC)
    return Mount("/static", app=files, name="static")


def _capture(path: str, area: Area, index: Endpoint, **own: Endpoint) -> list[BaseRoute]:
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


def _admin() -> list[BaseRoute]:
    """A council admin's pages (kexpwa.admin): people, teams, devices, audit log, sync health."""
    post = ["POST"]
    person = "/admin/people/{id:uuid}"
    people = admin_people
    return [
        route("/admin", admin_log.index, access=ADMINS, name="admin"),
        route("/admin/people", people.index, access=ADMINS, name="admin_people"),
        route("/admin/people", people.create, access=ADMINS, name="admin_person_add", methods=post),
        route("/admin/people/new", people.new, access=ADMINS, name="admin_person_new"),
        route("/admin/people/import", admin_import.form, access=ADMINS, name="admin_import"),
        route(
            "/admin/people/import",
            admin_import.upload,
            access=ADMINS,
            name="admin_import_upload",
            methods=post,
        ),
        route(person, people.show, access=ADMINS, name="admin_person"),
        route(f"{person}/role", people.set_role, access=ADMINS, name="admin_role", methods=post),
        route(f"{person}/team", people.move, access=ADMINS, name="admin_move", methods=post),
        route(
            f"{person}/active", people.set_active, access=ADMINS, name="admin_active", methods=post
        ),
        route(
            f"{person}/password",
            people.reset_password,
            access=ADMINS,
            name="admin_reset_password",
            methods=post,
        ),
        route(
            f"{person}/sign-out",
            people.sign_out_everywhere,
            access=ADMINS,
            name="admin_sign_out",
            methods=post,
        ),
        route("/admin/teams", admin_teams.index, access=ADMINS, name="admin_teams"),
        route(
            "/admin/teams", admin_teams.create, access=ADMINS, name="admin_team_add", methods=post
        ),
        route(
            "/admin/teams/{id:uuid}/name",
            admin_teams.rename,
            access=ADMINS,
            name="admin_team_rename",
            methods=post,
        ),
        route(
            "/admin/teams/{id:uuid}/leads",
            admin_teams.set_leads,
            access=ADMINS,
            name="admin_team_leads",
            methods=post,
        ),
        route(
            "/admin/devices/{id:uuid}/revoke",
            admin_devices.confirm,
            access=ADMINS,
            name="admin_revoke",
        ),
        route(
            "/admin/devices/{id:uuid}/revoke",
            admin_devices.revoke,
            access=ADMINS,
            name="admin_revoke_submit",
            methods=post,
        ),
        route("/admin/audit", admin_log.audit_log, access=ADMINS, name="admin_audit"),
        route("/admin/audit.csv", admin_log.audit_csv, access=ADMINS, name="admin_audit_csv"),
        route("/admin/sync-health", admin_log.sync_health, access=ADMINS, name="admin_health"),
    ]


def _account() -> list[BaseRoute]:
    """A person's own account: password (open with a temporary one) and signed-in devices."""
    return [
        route(
            "/account/password",
            account.password_form,
            access=COUNCIL_STAFF,
            name="account_password",
            temporary_ok=True,
        ),
        route(
            "/account/password",
            account.change_password,
            access=COUNCIL_STAFF,
            name="account_password_submit",
            methods=["POST"],
            temporary_ok=True,
        ),
        route(
            "/account/sessions", account.sessions_page, access=SIGNED_IN, name="account_sessions"
        ),
        route("/account/my-data", exports.my_data_page, access=CAPTURE, name="my_data"),
        route(
            "/account/my-data",
            exports.my_data_download,
            access=CAPTURE,
            name="my_data_download",
            methods=["POST"],
        ),
        route(
            "/account/sessions/{id:uuid}/end",
            account.end_session,
            access=SIGNED_IN,
            name="account_session_end",
            methods=["POST"],
        ),
    ]


def _push() -> list[BaseRoute]:
    """Notifications (kexpwa.push): the settings page, this device's subscription, and the
    reflection-group session calendar (kept by leads and admins)."""
    post = ["POST"]
    return [
        route("/notifications", push.settings_page, access=CAPTURE, name="push_settings"),
        route(
            "/notifications",
            push.save_settings,
            access=CAPTURE,
            name="push_settings_save",
            methods=post,
        ),
        route(
            "/notifications/subscription",
            push.subscribe,
            access=CAPTURE,
            name="push_subscribe",
            methods=post,
        ),
        route(
            "/notifications/subscription/delete",
            push.unsubscribe,
            access=CAPTURE,
            name="push_unsubscribe",
            methods=post,
        ),
        route("/sessions", push.calendar, access=COUNCIL_STAFF, name="push_sessions"),
        route(
            "/sessions",
            push.add_session,
            access=roles(Role.TEAM_LEAD, Role.ADMIN),
            name="push_session_add",
            methods=post,
        ),
    ]


def build() -> list[BaseRoute]:
    return [
        route("/", home.home, access=SIGNED_IN, name="home"),
        route("/healthz", home.healthz, access=PUBLIC, name="healthz"),
        route("/login", auth.login_form, access=PUBLIC, name="login"),
        route("/login", auth.login, access=PUBLIC, name="login_submit", methods=["POST"]),
        route(
            "/logout",
            auth.logout,
            access=SIGNED_IN,
            name="logout",
            methods=["POST"],
            temporary_ok=True,
        ),
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
        route("/participation", participation.page, access=CAPTURE, name="participation"),
        route(
            "/participation",
            participation.choose,
            access=CAPTURE,
            name="participation_submit",
            methods=["POST"],
        ),
        route("/research/export", exports.research_page, access=RESEARCH, name="research_export"),
        route(
            "/research/export",
            exports.research_download,
            access=RESEARCH,
            name="research_download",
            methods=["POST"],
        ),
        route("/what-my-lead-sees", team.what_lead_sees, access=CAPTURE, name="what_my_lead_sees"),
        route(
            "/api/session",
            session.session_info,
            access=SIGNED_IN,
            name="api_session",
            temporary_ok=True,
        ),
        *_admin(),
        *_account(),
        *_push(),
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
            # A kind with one record per person is edited on its own page, which the worker
            # keeps (its list page): "Needs attention" reads the field labels there.
            form_route=areas[k.name].name("offline_edit")
            if k.name in areas
            else (k.list_route if k.single else ""),
            scanned=tuple(f"{f}." if f in k.form.maps else f for f in k.scanned),
        )
        for k in registry.all_kinds()
    }

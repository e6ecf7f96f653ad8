"""A council admin's people pages: the list and search, adding one person, one person's page
with every action on them (role, team, activation, temporary password, sign out everywhere,
their devices). Rules and audit rows live in kexpwa.admin; an admin never sees entries."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.accounts import AccountError
from kexpwa.admin import devices, people, teams
from kexpwa.admin.rules import Actor, AdminError, NotFound, person
from kexpwa.auth.passwords import PasswordPolicyError
from kexpwa.domain.queries import Filters
from kexpwa.models.account import AUTHORITY_ROLES
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render

REFUSED = (AdminError, AccountError, PasswordPolicyError)
# What the person page says after an action (the code travels in the redirect, never a name).
DONE = {
    "role": "Role changed. They sign in again to use it.",
    "team": "Team changed.",
    "deactivated": "Deactivated. Their devices are signed out and wiped at their next contact.",
    "activated": "Reactivated. They can sign in again.",
    "everywhere": "Signed out everywhere. Their devices are wiped at their next contact.",
    "revoked": "Device revoked. It is wiped at its next contact; nothing more from it is taken.",
}


def actor(request: Request) -> Actor:
    principal = principal_of(request)
    return Actor(principal.id, principal.role.value)


def _id(request: Request) -> uuid.UUID:
    value = request.path_params["id"]
    assert isinstance(value, uuid.UUID)
    return value


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def index(request: Request) -> Response:
    """People of this council, by username; searchable by username or name."""
    filters = Filters.parse(request.query_params)
    page = await people.find(filters.q, filters.page)
    context = {"page": page, "q": filters.q, "role_labels": people.ROLE_LABELS}
    return render(request, "admin/people.html", context)


async def new(request: Request) -> Response:
    return await _new_form(request)


async def _new_form(
    request: Request, values: dict[str, str] | None = None, error: str = "", status: int = 200
) -> Response:
    context = {
        "values": values or {},
        "error": error,
        "roles": AUTHORITY_ROLES,
        "role_labels": people.ROLE_LABELS,
        "teams": await teams.listed(),
    }
    return render(request, "admin/new_person.html", context, status_code=status)


async def create(request: Request) -> Response:
    """Add one person with a temporary password, shown on this answer only."""
    form = await _form(request)
    values = {k: form.get(k, "")[:200] for k in ("username", "display_name", "role", "team")}
    try:
        user, password = await people.add(actor(request), **values)
    except REFUSED as exc:
        return await _new_form(request, values, str(exc), 422)
    context = {"created": [(user.username, password)], "errors": []}
    return render(request, "admin/created.html", context)


async def person_page(
    request: Request, user_id: uuid.UUID, *, error: str = "", status: int = 200, **extra: Any
) -> Response:
    try:
        user = await person(user_id)
    except NotFound:
        raise HTTPException(404) from None
    context = {
        "person": people.row(user),
        "devices": await devices.of_person(user.id),
        "roles": AUTHORITY_ROLES,
        "role_labels": people.ROLE_LABELS,
        "teams": await teams.listed(),
        "done": DONE.get(request.query_params.get("done", ""), ""),
        "error": error,
        "is_me": user.id == principal_of(request).id,
        "temporary": "",
        **extra,
    }
    return render(request, "admin/person.html", context, status_code=status)


async def show(request: Request) -> Response:
    return await person_page(request, _id(request))


async def _act(request: Request, work: Any, done: str) -> Response:
    user_id = _id(request)
    try:
        await work(actor(request), user_id)
    except NotFound:
        raise HTTPException(404) from None
    except REFUSED as exc:
        return await person_page(request, user_id, error=str(exc), status=422)
    url = request.url_for("admin_person", id=user_id).include_query_params(done=done)
    return RedirectResponse(url, status_code=303)


async def set_role(request: Request) -> Response:
    role = (await _form(request)).get("role", "")
    return await _act(request, lambda a, u: people.set_role(a, u, role), "role")


async def move(request: Request) -> Response:
    team = (await _form(request)).get("team", "")[:200]
    return await _act(request, lambda a, u: people.move(a, u, team), "team")


async def set_active(request: Request) -> Response:
    active = (await _form(request)).get("active") == "yes"
    done = "activated" if active else "deactivated"
    return await _act(request, lambda a, u: people.set_active(a, u, active), done)


async def sign_out_everywhere(request: Request) -> Response:
    return await _act(request, people.sign_out_everywhere, "everywhere")


async def reset_password(request: Request) -> Response:
    """Set a temporary password and show it on this answer only (never in a URL or a log)."""
    user_id = _id(request)
    try:
        _, password = await people.reset_password(actor(request), user_id)
    except NotFound:
        raise HTTPException(404) from None
    except REFUSED as exc:
        return await person_page(request, user_id, error=str(exc), status=422)
    return await person_page(request, user_id, temporary=password)

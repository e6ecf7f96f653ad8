"""A council admin's teams page: create, rename, choose leads."""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.admin import teams
from kexpwa.admin.rules import AdminError, NotFound
from kexpwa.views.admin_people import actor
from kexpwa.web.templating import render

DONE = {"created": "Team created.", "renamed": "Team renamed.", "leads": "Leads saved."}


async def page(
    request: Request, *, error: str = "", failed: str = "", status: int = 200
) -> Response:
    context = {
        "teams": await teams.listed(),
        "leads": await teams.possible_leads(),
        "done": DONE.get(request.query_params.get("done", ""), ""),
        "error": error,
        "failed": failed,  # which form the error belongs to: "new" or a team id
    }
    return render(request, "admin/teams.html", context, status_code=status)


async def index(request: Request) -> Response:
    return await page(request)


def _back(request: Request, done: str) -> Response:
    url = request.url_for("admin_teams").include_query_params(done=done)
    return RedirectResponse(url, status_code=303)


async def create(request: Request) -> Response:
    name = str((await request.form()).get("name", ""))[:500]
    try:
        await teams.create(actor(request), name)
    except AdminError as exc:
        return await page(request, error=str(exc), failed="new", status=422)
    return _back(request, "created")


def _id(request: Request) -> uuid.UUID:
    value = request.path_params["id"]
    assert isinstance(value, uuid.UUID)
    return value


async def rename(request: Request) -> Response:
    name = str((await request.form()).get("name", ""))[:500]
    team_id = _id(request)
    try:
        await teams.rename(actor(request), team_id, name)
    except NotFound:
        raise HTTPException(404) from None
    except AdminError as exc:
        return await page(request, error=str(exc), failed=str(team_id), status=422)
    return _back(request, "renamed")


async def set_leads(request: Request) -> Response:
    chosen = [str(v)[:64] for v in (await request.form()).getlist("lead")][:200]
    team_id = _id(request)
    try:
        await teams.set_leads(actor(request), team_id, chosen)
    except NotFound:
        raise HTTPException(404) from None
    except AdminError as exc:
        return await page(request, error=str(exc), failed=str(team_id), status=422)
    return _back(request, "leads")

"""Revoking a device, after a confirmation that says what is lost."""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.admin import devices
from kexpwa.admin.rules import NotFound
from kexpwa.views.admin_people import actor
from kexpwa.web.templating import render


def _id(request: Request) -> uuid.UUID:
    value = request.path_params["id"]
    assert isinstance(value, uuid.UUID)
    return value


async def confirm(request: Request) -> Response:
    """The confirmation: entries waiting on the device that never reached the server are lost."""
    try:
        found = await devices.device(_id(request))
    except NotFound:
        raise HTTPException(404) from None
    rows = [d for d in await devices.of_person(found.user_id) if d.id == found.id]
    return render(request, "admin/revoke.html", {"device": rows[0], "owner": found.user})


async def revoke(request: Request) -> Response:
    try:
        found = await devices.revoke(actor(request), _id(request))
    except NotFound:
        raise HTTPException(404) from None
    url = request.url_for("admin_person", id=found.user_id).include_query_params(done="revoked")
    return RedirectResponse(url, status_code=303)

"""My team: for team leads."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kexpwa.domain import team
from kexpwa.domain.text import today_utc
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render


async def index(request: Request) -> Response:
    principal = principal_of(request)
    start, end, members = await team.week(principal.id, today_utc())
    return render(request, "team/index.html", {"start": start, "end": end, "members": members})

"""The signed-in home page and the health check."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kexpwa import db
from kexpwa.domain import days, queries
from kexpwa.views import feedback
from kexpwa.web.access import CAPTURE, principal_of
from kexpwa.web.templating import render


async def home(request: Request) -> Response:
    """Quick actions (new note, quick reflection, log time), new feedback on the person's
    entries, and counts, for people who capture."""
    principal = principal_of(request)
    captures = CAPTURE.allows(principal)
    counts: dict[str, int] = {}
    totals: dict[str, int] = {}
    new_feedback: list[dict[str, object]] = []
    if captures:
        counts = await queries.counts(principal.id)
        totals = await queries.time_totals([principal.id], *queries.week_of(days.today()))
        new_feedback = await feedback.new_on_home(request)
    context = {
        "principal": principal,
        "captures": captures,
        "counts": counts,
        "totals": totals,
        "new_feedback": new_feedback,
    }
    return render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    """200 when every database answers, 503 naming the ones that do not. No other data."""
    authorities, directory_ok = await db.health(request.app.state.config)
    ok = all(authorities.values()) and directory_ok
    body = {
        "status": "ok" if ok else "unavailable",
        "authorities": {slug: "ok" if up else "unavailable" for slug, up in authorities.items()},
        "directory": "ok" if directory_ok else "unavailable",
    }
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})

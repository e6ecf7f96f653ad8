"""Research participation: a plain-words information sheet and the one choice, "include my time
log and my research stages in the research dataset" (:mod:`kexpwa.domain.participation`). A
plain form post, so it works without JavaScript."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa import audit
from kexpwa.domain import participation
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render


async def page(request: Request) -> Response:
    principal = principal_of(request)
    context = {
        "included": await participation.current(principal.id),
        "history": await participation.history(principal.id),
        "done": request.query_params.get("done", "") in ("yes", "no"),
    }
    return render(request, "participation/index.html", context)


async def choose(request: Request) -> Response:
    """Save the choice (``include``: ``yes`` or ``no``; anything else means no) and its date."""
    principal = principal_of(request)
    form = await request.form()
    include = str(form.get("include", ""))[:8] == "yes"
    if await participation.choose(principal.id, include):
        await audit.record(
            "research.participation",
            actor_id=principal.id,
            actor_role=principal.role.value,
            target_kind="user",
            target_id=principal.id,
            included=include,
        )
    url = request.url_for("participation").include_query_params(done="yes" if include else "no")
    return RedirectResponse(url, status_code=303)

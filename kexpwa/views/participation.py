"""Research participation: a plain-words information sheet and the one choice, "include my time
log and my research stages in the research dataset" (:mod:`kexpwa.domain.participation`).

The form is a record form (``data-kind="participation"``): with JavaScript the offline layer
queues it in the outbox and the sync engine applies it; without, it is a normal post here. Both
end in :func:`kexpwa.domain.changes.upsert`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.domain import consent, participation
from kexpwa.domain.transient import retried
from kexpwa.views.area import context_of
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render

BUSY = "Your choice was being changed on another device at the same moment. Please choose again."


async def page(request: Request, error: str = "", status_code: int = 200) -> Response:
    principal = principal_of(request)
    record = await participation.record(principal.id)
    context = {
        "included": bool(record and record.time_and_projects),
        "record_id": participation.record_id(principal.id),
        "version": record.version if record else 0,
        "history": await participation.history(principal.id),
        "done": not error and request.query_params.get("done", "") in ("yes", "no"),
        "error": error,
    }
    return render(request, "participation/index.html", context, status_code=status_code)


async def choose(request: Request) -> Response:
    """Save the choice (``time_and_projects``: ``true`` or ``false``; a page cached before it
    was a record may still send ``include``: ``yes`` or ``no``; anything else means no)."""
    form = await request.form()
    sent = str(form.get(participation.FIELD, form.get("include", "")))[:8]
    include = sent in ("true", "yes")
    ctx = await context_of(request)
    try:
        # Audited by the change itself (participation.after_change), as a synced choice is.
        await retried(lambda: consent.choose(ctx.actor, include, ctx))
    except consent.Busy:
        return await page(request, BUSY, 409)
    url = request.url_for("participation").include_query_params(done="yes" if include else "no")
    return RedirectResponse(url, status_code=303)

"""Deleting and restoring a capture area's records, and its recently deleted list: soft deletes
through the one change path, undone within ``undo_days``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.domain import changes, queries
from kexpwa.domain.errors import Gone, NotFound, Stale
from kexpwa.domain.transient import retried
from kexpwa.views import forms
from kexpwa.views.area import Area, context_of, owner_of, record_id
from kexpwa.web.templating import render


async def delete(request: Request, area: Area) -> Response:
    """Soft delete, then the list with "Deleted. Undo" at the top. The form must carry the
    version it shows: without one (or with an old one) the answer is 409 and nothing changes."""
    form = await request.form()
    rid = forms.record_id(form, record_id(request))
    version = forms.base_version(form.get("version")) or 0
    ctx = await context_of(request)
    try:
        await retried(lambda: changes.delete(ctx, area.kind, rid, version))
    except Stale:
        raise HTTPException(
            409,
            f"This {area.noun} was changed somewhere else since you opened it. "
            "Open it again, check it, then delete it if you still want to.",
        ) from None
    except NotFound as exc:
        raise HTTPException(404, exc.message) from None
    target = request.url_for(area.list_route).include_query_params(deleted=str(rid))
    return RedirectResponse(str(target), status_code=303)


async def restore(request: Request, area: Area) -> Response:
    form = await request.form()
    rid = forms.record_id(form, record_id(request))
    ctx = await context_of(request)
    try:
        await retried(lambda: changes.restore(ctx, area.kind, rid))
    except NotFound as exc:
        raise HTTPException(404, exc.message) from None
    except Gone as exc:
        raise HTTPException(410, exc.message) from None
    return RedirectResponse(str(request.url_for(area.list_route)), status_code=303)


async def recently_deleted(request: Request, area: Area) -> Response:
    days = int(request.app.state.settings.undo_days)
    items = await queries.recently_deleted(area.kind, owner_of(request), days)
    return render(
        request,
        "capture/deleted.html",
        {"area": area, "items": items, "summary": area.summary, "undo_days": days},
    )

"""What the four capture areas (notes, journal, time, projects) do alike: list with search,
filters and paging; new and edit forms; save, delete and restore through the one change path.

Each area's view module describes itself with an :class:`~kexpwa.views.area.Area` and keeps
only what is its own; deleting and restoring are in :mod:`kexpwa.views.capture_bin`.
Forms post to ``<area>/{id}`` whether the record is new or not; ``version`` in the form tells
the domain which (see kexpwa.views.forms). With JavaScript the offline layer sends the same
fields through the sync engine instead, and both end in :func:`kexpwa.domain.changes.upsert`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.domain import changes, days, flags, queries
from kexpwa.domain.errors import Invalid, NotFound, Stale
from kexpwa.domain.transient import retried
from kexpwa.models.records import Record
from kexpwa.views import forms
from kexpwa.views.area import Area, context_of, owner_of, record_id
from kexpwa.views.capture_bin import delete, recently_deleted, restore
from kexpwa.web.templating import render


def list_url(request: Request, area: Area, filters: queries.Filters, page: int = 1) -> str:
    """The list's address with its search and filters; ``page`` 1 is left out."""
    params: dict[str, str] = {}
    if filters.q:
        params["q"] = filters.q
    if filters.project_id:
        params["project"] = str(filters.project_id)
    if filters.tag:
        params["tag"] = filters.tag
    if page > 1:
        params["page"] = str(page)
    return str(request.url_for(area.list_route).include_query_params(**params))


async def list_page(request: Request, area: Area, extra: dict[str, Any]) -> Response:
    """The area's list; an htmx request (search as you type, paging) gets ``_list.html``."""
    owner = owner_of(request)
    filters = queries.Filters.parse(request.query_params)
    page = await queries.own_page(area.kind, owner, filters)
    undo = None
    raw = request.query_params.get("deleted", "")
    if raw:
        try:
            deleted = await queries.get_own(area.kind, owner, uuid.UUID(raw))
        except ValueError:
            deleted = None
        if deleted is not None and deleted.deleted_at is not None:
            undo = deleted
    context = {
        "area": area,
        "filters": filters,
        "page": page,
        "undo": undo,
        "prev_url": list_url(request, area, filters, page.page - 1) if page.page > 1 else "",
        "next_url": list_url(request, area, filters, page.page + 1)
        if page.page < page.pages
        else "",
        "summary": area.summary,
        # Entries with unresolved identifier flags wear a badge (templates/capture/_flagged.html).
        "flagged": await flags.flagged(owner, area.kind, (r.id for r in page.items)),
        **extra,
    }
    return render(request, area.template("list"), context, partial=area.template("_list"))


async def render_form(
    request: Request,
    area: Area,
    *,
    rid: uuid.UUID | str,
    version: int | str | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str = "",
    conflict: list[tuple[str, str]] | None = None,
    status: int = 200,
    is_new: bool,
) -> Response:
    context = {
        "area": area,
        "record_id": rid,
        "version": version or "",
        "values": values,
        "errors": errors or {},
        "message": message,
        "conflict": conflict,
        "is_new": is_new,
        "identifiers": await _identifiers(request, area, rid, values, bool(errors) or is_new),
        "names_note": flags.NAMES_NOTE,
        "save_anyway_choices": flags.CHOICES,
        "action": request.url_for(area.name("save"), id=rid),
        "max_date": (days.today() + timedelta(days=1)).isoformat(),
        **await area.extras(request, values),
    }
    return render(request, area.template("form"), context, status_code=status)


async def _identifiers(
    request: Request, area: Area, rid: uuid.UUID | str, values: dict[str, Any], unsaved: bool
) -> list[flags.Shown]:
    """The identifier panel's findings: the stored flags of a saved record, or those of the
    values on screen when they are not saved (a form sent back with a problem)."""
    if unsaved or not isinstance(rid, uuid.UUID):
        return flags.preview(area.spec, values)
    return await flags.of_record(owner_of(request), area.kind, rid)


async def new_form(request: Request, area: Area, values: dict[str, Any] | None = None) -> Response:
    """A blank form with a fresh record id in it from the start (drafts key on it)."""
    return await render_form(
        request,
        area,
        rid=uuid.uuid4(),
        version=None,
        values={**area.defaults(), **(values or {})},
        is_new=True,
    )


async def own_live(request: Request, area: Area) -> Record:
    """The owner's record named in the URL; 404 if it is not theirs, missing or deleted."""
    record = await queries.get_own(area.kind, owner_of(request), record_id(request))
    if record is None:
        raise HTTPException(404)
    if record.deleted_at is not None:
        raise HTTPException(404, f"This {area.noun} was deleted. Restore it to open it again.")
    return record


def values_of(area: Area, record: Record) -> dict[str, Any]:
    if area.to_values is not None:
        return area.to_values(record)
    return area.spec.serialize(record)


async def edit_form(request: Request, area: Area) -> Response:
    record = await own_live(request, area)
    return await render_form(
        request,
        area,
        rid=record.id,
        version=record.version,
        values=values_of(area, record),
        is_new=False,
    )


# What the worker writes into the offline edit form for the record being opened (static/sw.js).
OFFLINE_ID = "kx-record-id"
OFFLINE_VERSION = "kx-record-version"


async def offline_edit_form(request: Request, area: Area) -> Response:
    """The kind's edit form for no record in particular, which the service worker keeps and
    answers ``/<area>/<id>/edit`` with when the network cannot: it writes the record's id and
    version in place of the markers, and the page fills the fields from the on-device copy
    (static/js/page/records.js). Posted as it is, its id is refused (not a UUID)."""
    values = area.offline_values(request)
    if values is None:
        raise HTTPException(404)
    return await render_form(
        request,
        area,
        rid=OFFLINE_ID,
        version=OFFLINE_VERSION,
        values={**area.defaults(), **values},
        is_new=False,
    )


async def save(request: Request, area: Area) -> Response:
    """Create or change the record named in the URL: one call to ``changes.upsert``.

    Invalid input comes back as the form with field messages (422); a stale version as the
    form with both texts, theirs kept in the fields (409). Someone else's record is a 404."""
    sent = await forms.read(request, area.kind)
    ctx = await context_of(request)
    try:
        applied = await retried(
            lambda: changes.upsert(ctx, area.kind, sent.id, sent.data, sent.version)
        )
    except Stale as exc:
        return await render_form(
            request,
            area,
            rid=sent.id,
            version=exc.current_version,
            values=sent.data,
            message=exc.message,
            conflict=area.describe(exc.current),
            status=409,
            is_new=False,
        )
    except Invalid as exc:
        return await render_form(
            request,
            area,
            rid=sent.id,
            version=sent.version,
            values=sent.data,
            errors=forms.field_errors(exc.fields) or {"form": exc.message},
            message=exc.message,
            status=422,
            is_new=sent.version is None,
        )
    except NotFound as exc:
        raise HTTPException(404, exc.message) from None
    if area.show_route:
        target = request.url_for(area.show_route, id=applied.record.id)
    else:
        target = request.url_for(area.list_route)
    return RedirectResponse(str(target), status_code=303)


Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Area], Awaitable[Response]]
SHARED: dict[str, Handler] = {
    "new": new_form,
    "edit": edit_form,
    "offline_edit": offline_edit_form,
    "save": save,
    "delete": delete,
    "restore": restore,
    "deleted": recently_deleted,
}


def endpoints(area: Area, overrides: Mapping[str, Endpoint] | None = None) -> dict[str, Endpoint]:
    """The area's pages that every capture area shares (``new``, ``edit``,
    ``offline_edit``, ``save``, ``delete``, ``restore``, ``deleted``), as endpoints by name.
    ``overrides`` replaces some with the area's own (the journal's ``new`` offers its
    templates first)."""
    unknown = set(overrides or {}) - set(SHARED)
    assert not unknown, f"not a shared capture page: {sorted(unknown)}"
    made: dict[str, Endpoint] = {}
    for name, handler in SHARED.items():

        async def view(request: Request, handler: Handler = handler) -> Response:
            return await handler(request, area)

        view.__name__ = f"{area.kind}_{name}"
        made[name] = view
    return {**made, **(overrides or {})}

"""Feedback on a shared entry: posting a comment or a reply, and the thread partial shown on
the lead's entry page and beside the owner's own entry (see kexpwa.domain.feedback)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa.domain import feedback, visibility
from kexpwa.domain.errors import Invalid, NotFound
from kexpwa.domain.transient import retried
from kexpwa.models.account import Role, User
from kexpwa.models.records import Record
from kexpwa.web.access import principal_of
from kexpwa.web.client import kept_ready
from kexpwa.web.htmx import is_htmx
from kexpwa.web.templating import render

PARTIAL = "feedback/_thread.html"


async def _reader(request: Request) -> visibility.Reader:
    principal = principal_of(request)
    return await visibility.reader_for(principal.id, Role(principal.role))


async def _entry(reader: visibility.Reader, kind_name: str, record_id: uuid.UUID) -> Record | None:
    """The entry, if the reader may read its thread now: their own live entry, or one shared
    with them as a lead. Anything else is None (answered 404: they may not know it exists)."""
    try:
        kind = feedback.parent_kind_of(kind_name)
    except NotFound:
        return None
    own = kind.model.filter(owner_id=reader.user_id, id=record_id, deleted_at__isnull=True)
    record = await own.first()
    if record is None:
        shared = visibility.shared_with_lead(reader, kind)
        record = await kind.model.filter(shared, id=record_id).first()
    return record


def _own(request: Request, kind_name: str, record_id: uuid.UUID) -> Any:
    if kind_name == "journal":
        return request.url_for("journal_entry", id=record_id)
    return request.url_for("note_edit", id=record_id)


def own_url(request: Request, kind_name: str, record_id: uuid.UUID) -> str:
    """The owner's page of their entry, where its thread is shown."""
    return str(_own(request, kind_name, record_id))


def own_path(request: Request, kind_name: str, record_id: uuid.UUID) -> str:
    """The same page's path (for the offline client's list of pages to keep ready)."""
    return str(_own(request, kind_name, record_id).path)


def entry_url(request: Request, reader: visibility.Reader, kind_name: str, record: Any) -> str:
    """Where the reader reads the entry: the lead's entry page, or the owner's own page."""
    if record.owner_id != reader.user_id:
        return str(request.url_for("team_entry", kind=kind_name, id=record.id))
    return own_url(request, kind_name, record.id)


async def new_on_home(request: Request) -> list[dict[str, Any]]:
    """The signed-in person's entries with feedback they have not seen, with links."""
    return [
        {"title": u.title, "count": u.count, "url": own_url(request, u.kind, u.record_id)}
        for u in await feedback.unseen(await _reader(request))
    ]


def _shown(request: Request) -> bool:
    """Whether a person will see this answer, rather than the service worker keeping the page
    ready (:func:`kexpwa.web.client.kept_ready`)."""
    return not kept_ready(request)


async def context(
    request: Request, reader: visibility.Reader, kind_name: str, record: Record
) -> dict[str, Any]:
    """What ``feedback/_thread.html`` needs, for a page that shows ``record``. The comments
    shown to a person are marked seen (the home page's "New feedback" drops them); a page the
    worker keeps ready marks nothing."""
    thread = await feedback.thread(reader, kind_name, record)
    if _shown(request):
        await feedback.mark_seen(reader.user_id, thread.items)
    return {
        "thread": thread,
        "post_url": request.url_for("feedback_post", kind=kind_name, id=record.id),
        "feedback_max": feedback.BODY_MAX,
        "feedback_error": "",
        "feedback_body": "",
        "feedback_status": "",
    }


async def own_context(request: Request, kind_name: str, record: Record) -> dict[str, Any]:
    """The thread beside the owner's own entry."""
    return await context(request, await _reader(request), kind_name, record)


async def post(request: Request) -> Response:
    """Post the form's ``body`` on the entry. htmx gets the thread partial back (422 with the
    message when refused); a plain form post is sent back to the entry (303), or, refused,
    gets a page with the thread, the message and the text it sent."""
    kind_name = str(request.path_params["kind"])
    record_id = request.path_params["id"]
    reader = await _reader(request)
    record = await _entry(reader, kind_name, record_id)
    if record is None:
        raise HTTPException(404)
    form = await request.form()
    raw = form.get("body")
    body = raw if isinstance(raw, str) else None
    actor = await User.get(id=reader.user_id)
    error = ""
    try:
        if body is None:
            raise Invalid("Enter your comment.")
        await retried(lambda: feedback.comment(actor, kind_name, record.id, body or ""))
    except NotFound:
        raise HTTPException(404) from None
    except Invalid as exc:
        error = exc.fields.get("body") or exc.message
    back = entry_url(request, reader, kind_name, record)
    if not error and not is_htmx(request):
        return RedirectResponse(back + "#feedback", status_code=303)
    ctx = await context(request, reader, kind_name, record)
    if error:
        ctx.update(feedback_error=error, feedback_body=body or "")
    else:
        ctx.update(feedback_status="Feedback posted.")
    ctx.update(entry_title=getattr(record, "title", ""), back_url=back)
    return render(
        request, "feedback/thread.html", ctx, status_code=422 if error else 200, partial=PARTIAL
    )

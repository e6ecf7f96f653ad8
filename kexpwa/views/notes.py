"""Fieldwork notes: list, new, edit, save, delete and undo (see kexpwa.views.capture)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kexpwa.domain import days, queries
from kexpwa.domain.notes import BODY_MAX
from kexpwa.models.records import Note
from kexpwa.views import capture, feedback
from kexpwa.views.area import Area, owner_of


def _describe(note: Note) -> list[tuple[str, str]]:
    return [("Title", note.title), ("Date", note.date.isoformat()), ("Note", note.body)]


async def _thread(request: Request) -> dict[str, Any]:
    """The feedback thread beside a saved note's form (its edit page, or the form sent back);
    none on a new note's. The offline edit form gets an empty one that js/page/thread.js fills
    from the device's copy."""
    if request.url.path == request.url_for(AREA.name("offline_edit")).path:
        return {"thread_offline": True}
    record_id = request.path_params.get("id")
    if not isinstance(record_id, uuid.UUID):
        return {}
    record = await queries.get_own("note", owner_of(request), record_id)
    if record is None or record.deleted_at is not None:
        return {}
    return await feedback.own_context(request, "note", record)


async def _extras(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    projects = await queries.own_projects(owner_of(request))
    return {
        "projects_options": [(str(p.id), p.title) for p in projects],
        "body_max": BODY_MAX,
        **await _thread(request),
    }


AREA = Area(
    kind="note",
    folder="notes",
    stem="note",
    noun="note",
    plural="notes",
    summary=lambda note: str(note.title),
    describe=_describe,
    defaults=lambda: {"date": days.today().isoformat()},
    extras=_extras,
)


async def index(request: Request) -> Response:
    projects = await queries.own_projects(owner_of(request))
    return await capture.list_page(
        request, AREA, {"projects": projects, "project_titles": {p.id: p.title for p in projects}}
    )

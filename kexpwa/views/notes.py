"""Fieldwork notes: list, new, edit, save, delete and undo (see kexpwa.views.capture)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kexpwa.domain import days, queries
from kexpwa.domain.notes import BODY_MAX
from kexpwa.models.records import Note
from kexpwa.views import capture


def _describe(note: Note) -> list[tuple[str, str]]:
    return [("Title", note.title), ("Date", note.date.isoformat()), ("Note", note.body)]


async def _extras(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    projects = await queries.own_projects(capture.owner_of(request))
    return {"projects_options": [(str(p.id), p.title) for p in projects], "body_max": BODY_MAX}


AREA = capture.Area(
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
    projects = await queries.own_projects(capture.owner_of(request))
    return await capture.list_page(
        request, AREA, {"projects": projects, "project_titles": {p.id: p.title for p in projects}}
    )

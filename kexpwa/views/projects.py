"""Research projects: title, question, stage and sub-step (Plan, Do, Analyse, Exchange), start
date, and the stage history. Shared behaviour is in kexpwa.views.capture."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kexpwa.domain import queries, stages
from kexpwa.models.records import Project
from kexpwa.views import capture
from kexpwa.views.area import Area
from kexpwa.web.templating import render


def _describe(project: Project) -> list[tuple[str, str]]:
    return [
        ("Title", project.title),
        ("Research question", project.question),
        ("Stage", stages.label(project.stage, project.substep)),
    ]


async def _extras(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage_options": [(key, name) for key, (name, _) in stages.STAGES.items()],
        "stages": stages.STAGES,
    }


AREA = Area(
    kind="project",
    folder="projects",
    stem="project",
    noun="project",
    plural="projects",
    summary=lambda project: str(project.title),
    describe=_describe,
    defaults=lambda: {"stage": "plan", "substep": "question"},
    extras=_extras,
    show_route="project",
)


async def index(request: Request) -> Response:
    return await capture.list_page(request, AREA, {"stage_label": stages.label})


async def show(request: Request) -> Response:
    """One project, with its stage history (each stage and the date it was reached)."""
    record = await capture.own_live(request, AREA)
    return render(
        request,
        "projects/project.html",
        {
            "area": AREA,
            "record": record,
            "stage_label": stages.label,
            "history": await queries.stage_history(record.id),
            "order": stages.ORDER,
        },
    )

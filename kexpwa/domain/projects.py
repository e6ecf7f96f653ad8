"""Research projects and their progress through Plan, Do, Analyse and Exchange."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain import stages
from kexpwa.domain import text as t
from kexpwa.domain.kinds import Context, Form, Kind, Rule
from kexpwa.domain.validation import Collector, merged
from kexpwa.models.records import Project, ProjectStageChange

TITLE_MAX = 200
QUESTION_MAX = 2_000
FIELDS = frozenset({"title", "question", "stage", "substep", "start_date"})


def serialize(project: Project) -> dict[str, Any]:
    return {
        "title": project.title,
        "question": project.question,
        "stage": project.stage,
        "substep": project.substep,
        "start_date": project.start_date.isoformat() if project.start_date else None,
    }


def _stage(value: object) -> str:
    if value in (None, ""):
        return "plan"
    if not isinstance(value, str):
        raise t.FieldError("Choose a stage: Plan, Do, Analyse or Exchange.")
    if value not in stages.STAGES:
        raise t.FieldError("Choose a stage: Plan, Do, Analyse or Exchange.")
    assert isinstance(value, str)
    return value


async def validate(
    data: Mapping[str, Any], current: Project | None, ctx: Context
) -> dict[str, Any]:
    c = Collector(merged(serialize(current) if current else None, data))
    c.field("title", partial(t.one_line, label="Title", max_length=TITLE_MAX, required=True))
    c.field("question", partial(t.text, label="Research question", max_length=QUESTION_MAX))
    stage = c.field("stage", _stage)
    substep = c.data.get("substep") or ""
    if not isinstance(substep, str):
        c.error("substep", "Choose a step from the list.")
    elif stage and substep and substep not in dict(stages.substeps(stage)):
        c.error("substep", f"Choose a step of {stages.STAGES[stage][0]}.")
    else:
        c.values["substep"] = substep
    c.field("start_date", partial(t.a_date, label="Start date", required=False))
    return c.done()


async def after_change(
    project: Project, previous: Mapping[str, Any] | None, conn: BaseDBAsyncClient
) -> None:
    """Keep the stage history: a row for the first stage and for every change of stage."""
    now = (project.stage, project.substep)
    changed = previous is None or (previous["stage"], previous["substep"]) != now
    if changed:
        await ProjectStageChange.create(
            project_id=project.id, stage=project.stage, substep=project.substep, using_db=conn
        )


KIND = Kind(
    name="project",
    label="research project",
    model=Project,
    fields=FIELDS,
    validate=validate,
    serialize=serialize,
    form=Form(text=("title", "question", "stage", "substep", "start_date")),
    search=("title", "question"),
    scanned=("title", "question"),
    order=("-updated_at",),
    list_route="projects",
    list_title="Projects",
    warm_routes=("projects", "project_new", "project_offline_edit"),
    client_label=("title",),
    after_change=after_change,
    # A lead never reads projects; research reads the stages (never the question) of people
    # whose research participation says yes.
    research=Rule.CONSENTED,
)

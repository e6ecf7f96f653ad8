"""The time log: knowledge-exchange time, each entry in work time or own time, with this
week's totals. Shared behaviour is in kexpwa.views.capture."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kexpwa.domain import days, durations, queries
from kexpwa.domain.timelog import serialize
from kexpwa.models.records import TimeEntry
from kexpwa.views import capture
from kexpwa.views.area import Area, owner_of


def _summary(entry: TimeEntry) -> str:
    when = "own time" if entry.own_time else "work time"
    return f"{durations.format_minutes(entry.minutes)} {entry.activity} ({when})"


def _describe(entry: TimeEntry) -> list[tuple[str, str]]:
    return [
        ("How long", durations.format_minutes(entry.minutes)),
        ("Date", entry.date.isoformat()),
        ("Activity", entry.activity),
        ("When", "Own time" if entry.own_time else "Work time"),
        ("Note", entry.note),
    ]


def _values(entry: TimeEntry) -> dict[str, Any]:
    return {**serialize(entry), "duration": durations.format_minutes(entry.minutes)}


async def _extras(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    projects = await queries.own_projects(owner_of(request))
    return {
        "projects_options": [(str(p.id), p.title) for p in projects],
        "activity_options": [(a, a) for a in request.app.state.settings.activities],
        "quick_durations": [durations.format_minutes(m) for m in durations.QUICK_ADD],
    }


AREA = Area(
    kind="time",
    folder="time",
    stem="time",
    noun="time entry",
    plural="time entries",
    summary=_summary,
    describe=_describe,
    defaults=lambda: {"date": days.today().isoformat(), "own_time": False},
    extras=_extras,
    to_values=_values,
)


async def index(request: Request) -> Response:
    """The time page: this week's totals (work, own, all) above the list."""
    owner = owner_of(request)
    projects = await queries.own_projects(owner)
    monday, sunday = queries.week_of(days.today())
    totals = await queries.time_totals([owner], monday, sunday)
    return await capture.list_page(
        request,
        AREA,
        {
            "projects": projects,
            "project_titles": {p.id: p.title for p in projects},
            "totals": totals,
            "week": (monday, sunday),
        },
    )

"""The rows of an export, read from one authority at a time in batches by id (keyset paging), so
nothing holds a whole table. Which rows is decided in SQL by the research rule of
:mod:`kexpwa.domain.visibility` (consent read now: withdrawn, deleted and private rows are never
fetched) or, for "download my data", by the owner. Every free-text value passes through
:func:`text`, the one text hook."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.expressions import Q

from kexpwa import tenancy
from kexpwa.domain import identifiers, journal_templates, registry, visibility
from kexpwa.export.columns import section_column
from kexpwa.export.plan import Plan
from kexpwa.export.pseudonyms import Pseudonyms
from kexpwa.models.account import User
from kexpwa.models.records import ProjectStageChange

# Rows per query: small enough that a batch's peak stays flat whatever the export's size.
CHUNK = 500
Row = dict[str, Any]

_FIELDS = {
    "note": ("id", "owner_id", "date", "time", "project_id", "title", "body", "tags"),
    "journal": (
        "id",
        "owner_id",
        "date",
        "template",
        "title",
        "session_date",
        "session_title",
        "tags",
        "sections",
    ),
    "time": ("id", "owner_id", "date", "minutes", "activity", "own_time", "project_id"),
    "project": ("id", "owner_id", "start_date", "stage", "substep"),
}
_OWN_FIELDS = {"time": ("note",), "project": ("title", "question")}
_DATED = ("note", "journal", "time")


def text(value: str | None, plan: Plan) -> str:
    """The text hook: every exported free-text value passes through here. The research dataset
    has likely identifiers redacted (``[CHI]``, ``[POSTCODE]``, ...:
    :func:`kexpwa.domain.identifiers.redact`); a person's own download is their text as
    written."""
    if not value:
        return ""
    return identifiers.redact(value) if plan.research else value


@dataclass
class Source:
    """One authority as the export reads it: its name, pseudonyms and who is in which team."""

    slug: str
    name: str
    pseudonyms: Pseudonyms
    teams: dict[uuid.UUID, uuid.UUID | None]


async def source(slug: str, name: str, key: str) -> Source:
    """Read what the rows of ``slug`` need (its people's teams: a few hundred rows at most)."""
    with tenancy.bound(slug):
        await tenancy.connection().execute_query("SELECT 1")  # answers, or says which one not
        pairs = await User.all().values_list("id", "team_id")
    return Source(slug, name, Pseudonyms(slug, key), {u: t for u, t in pairs})


def _where(plan: Plan, kind_name: str) -> Q:
    kind = registry.kind_of(kind_name)
    if plan.owner is not None:
        where = Q(owner_id=plan.owner, deleted_at__isnull=True)
    else:
        where = visibility.readable(visibility.research_reader(uuid.uuid4()), kind)
    if kind_name in _DATED:
        if plan.date_from:
            where &= Q(date__gte=plan.date_from)
        if plan.date_to:
            where &= Q(date__lte=plan.date_to)
    return where


def _day(plan: Plan) -> Callable[[date | None], str]:
    if plan.dates == "week":

        def week(value: date | None) -> str:
            if value is None:
                return ""
            year, number, _ = value.isocalendar()
            return f"{year}-W{number:02d}"

        return week
    return lambda value: value.isoformat() if value else ""


def _minutes(plan: Plan, value: int) -> int:
    if plan.minutes == "15":
        return max(15, int(value / 15 + 0.5) * 15)
    return value


class Formatter:
    """Turns fetched values into a file's row, every column by its name."""

    def __init__(self, plan: Plan, src: Source) -> None:
        self.plan = plan
        self.src = src
        self.day = _day(plan)

    def _common(self, kind: str, values: Row) -> Row:
        owner = values["owner_id"]
        p = self.src.pseudonyms
        if self.plan.research:
            record_id = p.record(kind, values["id"])
        else:
            record_id = str(values["id"])
        row: Row = {"authority": self.src.name, "entry_id": record_id, "project_id": ""}
        if self.plan.research:
            row["practitioner"] = p.person(owner)
            row["team"] = p.team(self.src.teams.get(owner))
        project = values.get("project_id")
        if project is not None:
            row["project_id"] = p.record("project", project) if self.plan.research else str(project)
        return row

    def note(self, values: Row) -> Row:
        row = self._common("note", values)
        row["date"] = self.day(values["date"])
        row["time"] = "" if self.plan.dates == "week" else values["time"]
        row["title"] = text(values["title"], self.plan)
        row["body"] = text(values["body"], self.plan)
        row["tags"] = "; ".join(values["tags"] or ())
        return row

    def journal(self, values: Row) -> Row:
        row = self._common("journal", values)
        row["date"] = self.day(values["date"])
        row["template"] = values["template"]
        row["title"] = text(values["title"], self.plan)
        row["session_date"] = self.day(values["session_date"])
        row["session_title"] = text(values["session_title"], self.plan)
        row["tags"] = "; ".join(values["tags"] or ())
        sections = values["sections"] or {}
        for template in journal_templates.TEMPLATES.values():
            mine = template.key == values["template"]
            for section in template.sections:
                value = sections.get(section.key, "") if mine else ""
                row[section_column(template.key, section.key)] = text(value, self.plan)
        return row

    def time(self, values: Row) -> Row:
        row = self._common("time", values)
        row["date"] = self.day(values["date"])
        row["minutes"] = _minutes(self.plan, int(values["minutes"]))
        row["activity"] = values["activity"]
        row["own_time"] = bool(values["own_time"])
        if not self.plan.research:
            row["note"] = text(values["note"], self.plan)
        return row

    def project(self, values: Row, history: list[Row]) -> Row:
        row = self._common("project", values)
        if self.plan.research:
            row["project_id"] = row["entry_id"]
        else:
            row["project_id"] = str(values["id"])
            row["title"] = text(values["title"], self.plan)
            row["question"] = text(values["question"], self.plan)
        row["start_date"] = self.day(values["start_date"])
        row["stage"] = values["stage"]
        row["substep"] = values["substep"]
        row["stage_history"] = "; ".join(
            f"{self.day(_as_date(h['changed_at']))} {h['stage']}/{h['substep']}".rstrip("/")
            for h in history
        )
        return row


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


async def _histories(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Row]]:
    out: dict[uuid.UUID, list[Row]] = {i: [] for i in ids}
    rows = (
        await ProjectStageChange.filter(project_id__in=ids)
        .order_by("project_id", "changed_at", "id")
        .values("project_id", "stage", "substep", "changed_at")
    )
    for row in rows:
        out[row["project_id"]].append(row)
    return out


async def count(plan: Plan, src: Source, kind_name: str) -> int:
    """How many rows :func:`batches` will give (one COUNT)."""
    with tenancy.bound(src.slug):
        return await registry.kind_of(kind_name).model.filter(_where(plan, kind_name)).count()


async def batches(plan: Plan, src: Source, kind_name: str) -> AsyncIterator[list[Row]]:
    """The rows of ``kind_name`` in ``src``'s authority, in batches of at most :data:`CHUNK`.
    The authority is bound only while a batch is read, never across a ``yield``."""
    model = registry.kind_of(kind_name).model
    where = _where(plan, kind_name)
    fields = _FIELDS[kind_name] + (() if plan.research else _OWN_FIELDS.get(kind_name, ()))
    fmt = Formatter(plan, src)
    last: Any = None
    while True:
        with tenancy.bound(src.slug):
            query = model.filter(where)
            if last is not None:
                query = query.filter(id__gt=last)
            values = await query.order_by("id").limit(CHUNK).values(*fields)
            histories = (
                await _histories([v["id"] for v in values])
                if kind_name == "project" and values
                else {}
            )
        if not values:
            return
        last = values[-1]["id"]
        if kind_name == "project":
            yield [fmt.project(v, histories[v["id"]]) for v in values]
        else:
            method: Callable[[Row], Row] = getattr(fmt, kind_name)
            yield [method(v) for v in values]
        if len(values) < CHUNK:
            return

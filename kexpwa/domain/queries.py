"""Reading records: lists with search, filters and paging, and totals.

Each list costs a fixed number of queries (a count and a page), whatever the number of entries.
:func:`page` pages through any base queryset of a kind: the owner's own list uses
:func:`own_page`; team-lead and research views pass ``visibility.readable`` rows instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from kexpwa.domain import days, registry
from kexpwa.domain.kinds import Kind
from kexpwa.domain.text import without_bad
from kexpwa.models.records import JournalEntry, Project, ProjectStageChange, Record, TimeEntry

PER_PAGE = 20
R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    project_id: uuid.UUID | None = None
    tag: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Any) -> Filters:
        """From query parameters; anything unparseable is ignored rather than an error."""
        q = without_bad(str(params.get("q", ""))).strip()[:100]
        try:
            project_id = uuid.UUID(params.get("project", "")) if params.get("project") else None
        except ValueError:
            project_id = None
        try:
            page = max(1, min(int(params.get("page", 1)), 10_000))
        except (TypeError, ValueError):
            page = 1
        tag = without_bad(str(params.get("tag", "")))[:80]
        return cls(q=q, project_id=project_id, tag=tag, page=page)

    def active(self) -> bool:
        return bool(self.q or self.project_id or self.tag)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    pages: int


def _live(model: type[R], owner_id: uuid.UUID) -> QuerySet[R]:
    return model.filter(owner_id=owner_id, deleted_at__isnull=True)


def scope(kind_name: str, owner_id: uuid.UUID) -> QuerySet[Record]:
    """The owner's live (not deleted) records of a kind."""
    return _live(registry.kind_of(kind_name).model, owner_id)


def _filtered(kind: Kind, query: QuerySet[Record], filters: Filters) -> QuerySet[Record]:
    if filters.q:
        condition = Q()
        for field in kind.search:
            condition |= Q(**{f"{field}__icontains": filters.q})
        query = query.filter(condition)
    if filters.project_id and "project" in kind.filters:
        query = query.filter(project_id=filters.project_id)
    if filters.tag and "tag" in kind.filters:
        query = query.filter(tag_text__contains=f"|{filters.tag}|")
    return query


async def page(kind_name: str, base: QuerySet[Record], filters: Filters) -> Page:
    """One page of ``base`` (rows of the kind), searched, filtered and in the kind's order.
    ``base`` decides whose rows: the owner's (:func:`own_page`) or what a reader may read."""
    kind = registry.kind_of(kind_name)
    query = _filtered(kind, base, filters)
    total = await query.count()
    pages = max(1, -(-total // PER_PAGE))
    number = min(filters.page, pages)
    items = await query.order_by(*kind.order).offset((number - 1) * PER_PAGE).limit(PER_PAGE)
    return Page(list(items), total, number, pages)


async def own_page(kind_name: str, owner_id: uuid.UUID, filters: Filters) -> Page:
    """One page of the owner's own live records of a kind."""
    return await page(kind_name, scope(kind_name, owner_id), filters)


async def own_projects(owner_id: uuid.UUID) -> list[Project]:
    """The owner's live projects, for pickers and filters."""
    return list(await _live(Project, owner_id).order_by("title"))


async def get_own(kind_name: str, owner_id: uuid.UUID, record_id: uuid.UUID) -> Record | None:
    """One of the owner's records (deleted ones too, for undo), or None."""
    kind = registry.kind_of(kind_name)
    return await kind.model.get_or_none(id=record_id, owner_id=owner_id)


async def recently_deleted(kind_name: str, owner_id: uuid.UUID, days: int) -> list[Record]:
    """The owner's records of a kind deleted in the last ``days`` days (still restorable),
    most recently deleted first; at most a few pages' worth."""
    kind = registry.kind_of(kind_name)
    since = datetime.now(UTC) - timedelta(days=days)
    query = kind.model.filter(owner_id=owner_id, deleted_at__gte=since)
    return list(await query.order_by("-deleted_at").limit(PER_PAGE * 5))


async def followups(owner_id: uuid.UUID, entry_id: uuid.UUID) -> list[JournalEntry]:
    """The owner's live journal entries that grew from the quick note ``entry_id``."""
    query = _live(JournalEntry, owner_id).filter(source_id=entry_id)
    return list(await query.order_by("-date", "-created_at"))


async def stage_history(project_id: uuid.UUID) -> list[ProjectStageChange]:
    """A project's stages, oldest first, each with the date it was reached."""
    return list(await ProjectStageChange.filter(project_id=project_id).order_by("changed_at", "id"))


async def counts(owner_id: uuid.UUID) -> dict[str, int]:
    """How many live records of each kind the owner has (not of a kind with one record per
    person: research participation is a choice, not an entry)."""
    kinds = [kind for kind in registry.all_kinds() if kind.single is None]
    return {kind.name: await scope(kind.name, owner_id).count() for kind in kinds}


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of ``day``'s week (see kexpwa.domain.days)."""
    return days.week_of(day)


async def time_totals(owner_ids: list[uuid.UUID], start: date, end: date) -> dict[str, int]:
    """Minutes in work time and own time between two dates (inclusive)."""
    rows = (
        await TimeEntry.filter(
            owner_id__in=owner_ids, deleted_at__isnull=True, date__gte=start, date__lte=end
        )
        .annotate(total=Sum("minutes"))
        .group_by("own_time")
        .values("own_time", "total")
    )
    totals = {"work": 0, "own": 0}
    for row in rows:
        totals["own" if row["own_time"] else "work"] += int(row["total"] or 0)
    totals["all"] = totals["work"] + totals["own"]
    return totals


@dataclass(frozen=True)
class Item:
    """One row of a list over several kinds."""

    kind: Kind
    record: Record


def _merge_key(row: dict[str, Any]) -> tuple[Any, ...]:
    # Notes and journal entries alike: newest date, then time of day (journal entries have
    # none), then when written, then id: the same order as each kind's query plus ``-id``.
    return (row["date"], row.get("time") or "", row["created_at"], str(row["id"]))


async def merged_page(
    bases: Sequence[tuple[Kind, QuerySet[Record]]], filters: Filters, total: int | None = None
) -> Page:
    """One page over several kinds' rows at once (each ``base`` a kind's readable rows, all
    ordered newest first by date), searched with each kind's search fields. Costs two
    queries per kind: its count and the keys of its first rows up to this page, then one per
    kind holding rows of the page, whatever the number of entries. ``total``, when the caller
    knows how many rows there are, saves the counts."""
    queried = [
        (kind, _filtered(kind, base, replace(filters, project_id=None, tag="")))
        for kind, base in bases
    ]
    if total is None:  # the caller may know it already (a lead's list: the weekly tallies)
        total = 0
        for _, query in queried:
            total += await query.count()
    pages = max(1, -(-total // PER_PAGE))
    number = min(filters.page, pages)
    wanted = number * PER_PAGE
    keyed: list[tuple[tuple[Any, ...], Kind, Any]] = []
    for kind, query in queried:
        columns = ["id", "date", "created_at", *(["time"] if "-time" in kind.order else [])]
        rows = await query.order_by(*kind.order, "-id").limit(wanted).values(*columns)
        keyed += [(_merge_key(row), kind, row["id"]) for row in rows]
    keyed.sort(key=lambda item: item[0], reverse=True)
    chosen = keyed[(number - 1) * PER_PAGE : wanted]
    records: dict[Any, Record] = {}
    for kind, _ in queried:
        ids = [rid for _, k, rid in chosen if k is kind]
        if ids:
            for record in await kind.model.filter(id__in=ids):
                records[(kind.name, str(record.id))] = record
    items = [
        Item(kind, records[(kind.name, str(rid))])
        for _, kind, rid in chosen
        if (kind.name, str(rid)) in records
    ]
    return Page(items, total, number, pages)

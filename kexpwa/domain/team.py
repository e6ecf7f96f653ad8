"""A team lead's overview of the teams they lead: one row per member, counts and time only.

Every number is a SQL ``GROUP BY`` over all members at once, mostly over the weekly tallies
(:mod:`kexpwa.domain.tally`), so the overview costs :data:`OVERVIEW_QUERIES` queries whatever the
team size and the number of entries. Counts include private entries as numbers only; nothing a
member wrote is read here except their project's title and stage.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.functions import Max, Sum

from kexpwa.domain import days, reading, stages, tally, visibility
from kexpwa.domain.visibility import Reader
from kexpwa.models.account import Role
from kexpwa.models.reading import WeekTally
from kexpwa.models.records import Project, ProjectStageChange
from kexpwa.models.sync import SyncClient

# Queries for a lead's overview: the reader (teams, members), projects, stage dates, tallies
# (counts in total and this month, and minutes of the last 4 weeks, in one), last syncs, read
# marks (one per kind the lead reads). Asserted by tests/test_team_overview.py.
OVERVIEW_QUERIES = 8
RECENT_WEEKS = 4
COUNTED = ("note", "journal")


@dataclass(frozen=True)
class MemberRow:
    id: uuid.UUID
    name: str
    project: str  # the title of their most recently changed live project, or ""
    stage: str  # "plan", "do", "analyse", "exchange", or "" for no project
    substep: str
    stage_since: datetime | None  # when the project reached its stage
    month: Mapping[str, int]  # {"note": n, "journal": n} dated this calendar month
    total: Mapping[str, int]  # {"note": n, "journal": n}, live, private ones included
    work: int  # minutes of work time in the last 4 weeks (this week and the 3 before)
    own: int  # minutes of own time in the same weeks
    last_sync: datetime | None
    stale: bool  # no sync from any device for ``stale_days`` (or never)
    shared: int  # entries shared with the lead now
    unread: int | None  # of those, not opened by the lead (None: not a lead's view)

    @property
    def stage_label(self) -> str:
        return stages.label(self.stage, self.substep) if self.stage else ""

    @property
    def stage_index(self) -> int:
        return stages.ORDER.index(self.stage) if self.stage in stages.ORDER else -1


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _projects(owners: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, object]]:
    rows = await (
        Project.filter(owner_id__in=owners, deleted_at__isnull=True)
        .order_by("-updated_at", "-id")
        .values("id", "owner_id", "title", "stage", "substep")
    )
    current: dict[uuid.UUID, dict[str, object]] = {}
    for row in rows:
        current.setdefault(_uuid(row["owner_id"]), row)
    return current


async def _stage_since(owners: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    rows = await (
        ProjectStageChange.filter(project__owner_id__in=owners, project__deleted_at__isnull=True)
        .annotate(last=Max("changed_at"))
        .group_by("project_id")
        .values("project_id", "last")
    )
    return {_uuid(r["project_id"]): r["last"] for r in rows if r["last"] is not None}


async def _tallies(
    owners: list[uuid.UUID], today: date
) -> tuple[dict[tuple[uuid.UUID, str], int], dict[tuple[uuid.UUID, str], int]]:
    """(entries in total and this month, per member and bucket; minutes of the last 4 weeks),
    from one read of the tally rows involved (a few dozen per member)."""
    month = days.month_start(today)
    first = days.last_weeks(today, RECENT_WEEKS)[0]
    rows = await WeekTally.filter(
        Q(week=tally.ALL_TIME, bucket__in=[*COUNTED, *(f"{k}_lead" for k in COUNTED)])
        | Q(week=month, bucket__in=["note_m", "journal_m"])
        | Q(week__gte=first, bucket__in=["work", "own"]),
        owner_id__in=owners,
    ).values_list("owner_id", "week", "bucket", "entries", "minutes")
    counts: dict[tuple[uuid.UUID, str], int] = {}
    minutes: dict[tuple[uuid.UUID, str], int] = {}
    for owner_id, week, bucket, entries, spent in rows:
        key = (_uuid(owner_id), bucket)
        if bucket in ("work", "own"):
            if week != tally.ALL_TIME:
                minutes[key] = minutes.get(key, 0) + int(spent or 0)
        else:
            counts[key] = int(entries or 0)
    return counts, minutes


async def _last_syncs(owners: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    rows = await (
        SyncClient.filter(user_id__in=owners)
        .annotate(last=Max("last_seen_at"))
        .group_by("user_id")
        .values("user_id", "last")
    )
    return {_uuid(r["user_id"]): r["last"] for r in rows if r["last"] is not None}


async def rows(
    members: Mapping[uuid.UUID, str],
    today: date,
    stale_days: int,
    reader: Reader | None = None,
    now: datetime | None = None,
) -> list[MemberRow]:
    """One row per member, by name. With ``reader`` (a lead), also what they have not read."""
    owners = list(members)
    if not owners:
        return []
    projects = await _projects(owners)
    since = await _stage_since(owners)
    totals, recent = await _tallies(owners, today)
    syncs = await _last_syncs(owners)
    read = await reading.read_by_owner(reader) if reader is not None else {}
    moment = now or datetime.now(UTC)
    result = []
    for uid, name in sorted(members.items(), key=lambda item: (item[1].lower(), str(item[0]))):
        project = projects.get(uid)
        last = syncs.get(uid)
        shared = sum(totals.get((uid, f"{kind}_lead"), 0) for kind in COUNTED)
        result.append(
            MemberRow(
                id=uid,
                name=name,
                project=str(project["title"]) if project else "",
                stage=str(project["stage"]) if project else "",
                substep=str(project["substep"]) if project else "",
                stage_since=since.get(_uuid(project["id"])) if project else None,
                month={kind: totals.get((uid, f"{kind}_m"), 0) for kind in COUNTED},
                total={kind: totals.get((uid, kind), 0) for kind in COUNTED},
                work=recent.get((uid, "work"), 0),
                own=recent.get((uid, "own"), 0),
                last_sync=last,
                stale=last is None or moment - last > timedelta(days=stale_days),
                shared=shared,
                unread=max(0, shared - read.get(uid, 0)) if reader is not None else None,
            )
        )
    return result


async def overview(
    lead_id: uuid.UUID, today: date, stale_days: int
) -> tuple[Reader, list[MemberRow]]:
    """The lead's reader and one row per member of the teams they lead."""
    reader = await visibility.reader_for(lead_id, Role.TEAM_LEAD)
    members = {uid: reader.members[uid] for uid in visibility.counted_by_lead(reader)}
    return reader, await rows(members, today, stale_days, reader)


async def current_stages(owners: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each member's current project's stage (members with no live project are absent)."""
    if not owners:
        return {}
    return {uid: str(project["stage"]) for uid, project in (await _projects(owners)).items()}


async def shared_total(owners: list[uuid.UUID], kinds: list[str]) -> int:
    """How many live entries of these kinds the owners share with their lead now, from the
    weekly tallies (one query; the shared list's count when nothing is searched)."""
    if not owners or not kinds:
        return 0
    rows = await (
        WeekTally.filter(
            owner_id__in=owners, week=tally.ALL_TIME, bucket__in=[f"{k}_lead" for k in kinds]
        )
        .annotate(n=Sum("entries"))
        .values("n")
    )
    return sum(int(r["n"] or 0) for r in rows)

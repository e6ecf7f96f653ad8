"""A team lead's view of their team's time: work time and own time per member this week.

Time entries' duration, activity and own-time flag always count in team totals (see
kexpwa.domain.visibility); nothing a member wrote is read here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from tortoise.functions import Sum

from kexpwa.domain import queries
from kexpwa.domain.visibility import reader_for
from kexpwa.models.account import Role
from kexpwa.models.records import TimeEntry


@dataclass(frozen=True)
class MemberWeek:
    name: str
    work: int
    own: int


async def week(lead_id: uuid.UUID, today: date) -> tuple[date, date, list[MemberWeek]]:
    """Each member's minutes this week (Monday to Sunday), in one query whatever the team size."""
    reader = await reader_for(lead_id, Role.TEAM_LEAD)
    start, end = queries.week_of(today)
    totals: dict[tuple[uuid.UUID, bool], int] = {}
    if reader.members:
        rows = (
            await TimeEntry.filter(
                owner_id__in=list(reader.members),
                deleted_at__isnull=True,
                date__gte=start,
                date__lte=end,
            )
            .annotate(total=Sum("minutes"))
            .group_by("owner_id", "own_time")
            .values("owner_id", "own_time", "total")
        )
        totals = {(r["owner_id"], bool(r["own_time"])): int(r["total"] or 0) for r in rows}
    members = [
        MemberWeek(name, totals.get((uid, False), 0), totals.get((uid, True), 0))
        for uid, name in sorted(reader.members.items(), key=lambda item: item[1])
    ]
    return start, end, members

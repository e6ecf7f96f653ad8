"""The team charts, as numbers and shapes a template draws as SVG (no chart library, no script,
no style attributes): hours per week over the last 12 weeks, work and own time stacked, and
how far the team's projects have come. Each chart's figures also feed its table and its text
alternative, so all three always say the same thing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tortoise.functions import Sum

from kexpwa.domain import days, stages
from kexpwa.models.reading import WeekTally

WEEKS = 12
# The SVG's own units; it scales to the width it is given (360 px phones included).
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 200, 34, 24, 8


@dataclass(frozen=True)
class Bar:
    monday: date
    work: int  # minutes
    own: int
    x: float
    width: float
    work_y: float
    work_height: float
    own_y: float
    own_height: float

    @property
    def total(self) -> int:
        return self.work + self.own


@dataclass(frozen=True)
class HoursChart:
    bars: list[Bar]
    top_hours: int  # the value axis' top, in whole hours
    ticks: list[tuple[int, float]]  # (hours, y)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def work(self) -> int:
        return sum(bar.work for bar in self.bars)

    @property
    def own(self) -> int:
        return sum(bar.own for bar in self.bars)


def _nice_top(minutes: int) -> int:
    hours = -(-minutes // 60)
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if hours <= step * 4:
            return step * 4
    return -(-hours // 1000) * 1000


def hours_chart(per_week: Mapping[date, tuple[int, int]], today: date) -> HoursChart:
    """The chart of ``per_week`` ({Monday: (work, own) minutes}) for the 12 weeks to today's."""
    mondays = days.last_weeks(today, WEEKS)
    top = _nice_top(max((sum(per_week.get(m, (0, 0))) for m in mondays), default=0))
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / WEEKS
    scale = plot_h / (top * 60)
    bars = []
    for i, monday in enumerate(mondays):
        work, own = per_week.get(monday, (0, 0))
        work_h, own_h = work * scale, own * scale
        base = HEIGHT - BOTTOM
        bars.append(
            Bar(
                monday, work, own,
                x=round(LEFT + i * slot + slot * 0.15, 2), width=round(slot * 0.7, 2),
                work_y=round(base - work_h, 2), work_height=round(work_h, 2),
                own_y=round(base - work_h - own_h, 2), own_height=round(own_h, 2),
            )
        )  # fmt: skip
    ticks = [(top * n // 4, round(HEIGHT - BOTTOM - plot_h * n / 4, 2)) for n in range(5)]
    return HoursChart(bars, top, ticks)


async def hours_per_week(owners: Sequence[uuid.UUID], today: date) -> HoursChart:
    """The team's work and own time per week, from the weekly tallies: one query."""
    first = days.last_weeks(today, WEEKS)[0]
    per_week: dict[date, tuple[int, int]] = {}
    if owners:
        rows = await (
            WeekTally.filter(owner_id__in=list(owners), week__gte=first, bucket__in=["work", "own"])
            .annotate(m=Sum("minutes"))
            .group_by("week", "bucket")
            .values("week", "bucket", "m")
        )
        for row in rows:
            week = row["week"] if isinstance(row["week"], date) else date.fromisoformat(row["week"])
            work, own = per_week.get(week, (0, 0))
            minutes = int(row["m"] or 0)
            per_week[week] = (
                (work, own + minutes) if row["bucket"] == "own" else (work + minutes, own)
            )
    return hours_chart(per_week, today)


@dataclass(frozen=True)
class StageBar:
    key: str  # a stage, or "" for members with no project yet
    label: str
    count: int
    y: float
    width: float


@dataclass(frozen=True)
class StageChart:
    bars: list[StageBar]
    members: int
    width: int = WIDTH
    height: int = 5 * 32 + 8
    left: int = 118


def stage_chart(stage_of_member: Sequence[str]) -> StageChart:
    """How many members' current projects are at each stage (and how many have none yet)."""
    keys = [*stages.ORDER, ""]
    counts = {key: 0 for key in keys}
    for stage in stage_of_member:
        counts[stage if stage in counts else ""] += 1
    most = max(counts.values(), default=0) or 1
    room = WIDTH - 118 - 40
    bars = [
        StageBar(
            key,
            stages.label(key) if key else "No project yet",
            counts[key],
            y=8 + i * 32,
            width=round(room * counts[key] / most, 2),
        )
        for i, key in enumerate(keys)
    ]
    return StageChart(bars, len(stage_of_member))

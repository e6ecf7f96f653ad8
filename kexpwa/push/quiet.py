"""Quiet hours: when a person is not to be disturbed, in Europe/London time (BST included).

A notification due in quiet hours is held until the quiet period ends. Plain functions over
aware datetimes; the hours are whole London hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kexpwa.domain.days import LONDON

SATURDAY = 5


@dataclass(frozen=True)
class Quiet:
    start: int = 20  # quiet from this hour ...
    end: int = 8  # ... until this hour (the next morning when end <= start)
    weekends: bool = True  # all of Saturday and Sunday too

    def __post_init__(self) -> None:
        if not (0 <= self.start <= 23 and 0 <= self.end <= 23):
            raise ValueError("quiet hours are whole hours from 0 to 23")


def _quiet_hour(quiet: Quiet, local: datetime) -> bool:
    if quiet.weekends and local.weekday() >= SATURDAY:
        return True
    hour = local.hour
    if quiet.start == quiet.end:
        return False  # no quiet hours on weekdays
    if quiet.start < quiet.end:
        return quiet.start <= hour < quiet.end
    return hour >= quiet.start or hour < quiet.end


def is_quiet(quiet: Quiet, moment: datetime) -> bool:
    """Whether ``moment`` (aware) falls in the person's quiet hours, in London time."""
    return _quiet_hour(quiet, moment.astimezone(LONDON))


def release(quiet: Quiet, moment: datetime) -> datetime:
    """``moment`` itself if it is not quiet, else the first moment after it that is not: the
    end of the quiet period, in UTC. Walks London wall-clock hours, so a clock change in
    between (the last Sunday of March or October) moves the UTC answer by an hour."""
    moment = moment.astimezone(UTC)
    if not is_quiet(quiet, moment):
        return moment
    local = moment.astimezone(LONDON)
    # The next whole local hour, then hour by hour (at most a weekend and a night: ~60 steps).
    day = local.replace(minute=0, second=0, microsecond=0, tzinfo=None)
    for _ in range(24 * 4):
        day += timedelta(hours=1)
        candidate = day.replace(tzinfo=LONDON)
        # A wall-clock hour that does not exist (01:00 on the spring change) is skipped.
        if candidate.astimezone(UTC).astimezone(LONDON).hour != candidate.hour:
            continue
        if not _quiet_hour(quiet, candidate):
            return candidate.astimezone(UTC)
    return moment  # every hour quiet (not reachable with the checks above): send anyway

"""Days and weeks as people in the councils live them: Europe/London, not UTC.

Near midnight in British Summer Time the UTC date is yesterday's; every "today", "this week"
and "this month" in kexpwa comes from here. Weeks run Monday to Sunday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local_date(moment: datetime) -> date:
    """The London calendar date of an aware moment (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def today(now: datetime | None = None) -> date:
    """Today's date in London."""
    return local_date(now if now is not None else datetime.now(UTC))


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def last_weeks(day: date, count: int) -> list[date]:
    """The Mondays of the ``count`` weeks ending with the week of ``day``, oldest first."""
    this = monday_of(day)
    return [this - timedelta(weeks=n) for n in range(count - 1, -1, -1)]

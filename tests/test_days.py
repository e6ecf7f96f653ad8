"""Days and weeks are Europe/London's: near midnight in British Summer Time the UTC date is
yesterday's. Checked at both clock changes (last Sunday of March and of October)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from kexpwa.domain import days, text


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC)


def test_today_is_londons_date_not_utcs() -> None:
    # Summer: 23:30 UTC is 00:30 BST the next day.
    assert days.today(at("2026-07-01T23:30")) == date(2026, 7, 2)
    assert days.today(at("2026-07-01T22:59")) == date(2026, 7, 1)
    # Winter: London is on UTC.
    assert days.today(at("2026-12-01T23:30")) == date(2026, 12, 1)


def test_the_clock_changes() -> None:
    # 29 March 2026: clocks go forward at 01:00 UTC.
    assert days.today(at("2026-03-28T23:59")) == date(2026, 3, 28)
    assert days.today(at("2026-03-29T00:30")) == date(2026, 3, 29)
    assert days.today(at("2026-03-29T23:30")) == date(2026, 3, 30)  # already Monday in London
    # 25 October 2026: clocks go back at 01:00 UTC.
    assert days.today(at("2026-10-24T23:30")) == date(2026, 10, 25)  # 00:30 BST
    assert days.today(at("2026-10-25T23:30")) == date(2026, 10, 25)  # 23:30 GMT


def test_a_week_begins_on_londons_monday() -> None:
    sunday_night = at("2026-03-29T23:30")  # Monday 00:30 BST
    assert days.week_of(days.today(sunday_night)) == (date(2026, 3, 30), date(2026, 4, 5))
    assert days.week_of(sunday_night.date()) == (date(2026, 3, 23), date(2026, 3, 29))  # UTC's
    # Across a year end and a month end.
    assert days.week_of(date(2026, 1, 1)) == (date(2025, 12, 29), date(2026, 1, 4))
    assert days.week_of(date(2026, 3, 1)) == (date(2026, 2, 23), date(2026, 3, 1))


def test_last_weeks_and_month_start() -> None:
    assert days.last_weeks(date(2026, 1, 7), 3) == [
        date(2025, 12, 22), date(2025, 12, 29), date(2026, 1, 5),
    ]  # fmt: skip
    assert days.month_start(date(2026, 10, 25)) == date(2026, 10, 1)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_today_matches_zoneinfo_and_weeks_hold_the_day(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    day = days.today(aware)
    assert day == aware.astimezone(ZoneInfo("Europe/London")).date()
    monday, sunday = days.week_of(day)
    assert monday.weekday() == 0 and sunday - monday == timedelta(days=6)
    assert monday <= day <= sunday


def test_a_date_allows_londons_tomorrow() -> None:
    tomorrow = days.today() + timedelta(days=1)
    assert text.a_date(tomorrow.isoformat(), label="Date") == tomorrow

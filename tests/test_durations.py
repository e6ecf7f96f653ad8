"""Duration parsing: what people type, property-tested. Pure functions, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kexpwa.domain.durations import MAX_MINUTES, DurationError, format_minutes, parse

MINUTES = st.integers(min_value=1, max_value=MAX_MINUTES)


@given(MINUTES)
def test_formatted_minutes_read_back(minutes: int) -> None:
    assert parse(format_minutes(minutes)) == minutes


@given(MINUTES)
def test_plain_numbers_are_minutes(minutes: int) -> None:
    assert parse(str(minutes)) == minutes
    assert parse(f" {minutes} MIN ") == minutes


@given(st.integers(min_value=0, max_value=24), st.integers(min_value=0, max_value=59))
def test_hours_and_minutes_in_every_spelling(hours: int, minutes: int) -> None:
    total = hours * 60 + minutes
    spellings = (f"{hours}h {minutes}", f"{hours}h{minutes}m", f"{hours} hours {minutes} minutes")
    for text in spellings:
        if 0 < total <= MAX_MINUTES:
            assert parse(text) == total
        else:
            with pytest.raises(DurationError):
                parse(text)
    if hours and 0 < total <= MAX_MINUTES:
        assert parse(f"{hours}:{minutes:02d}") == total


@given(st.text(max_size=60))
def test_anything_typed_parses_or_says_why(text: str) -> None:
    try:
        minutes = parse(text)
    except DurationError as exc:
        assert str(exc)  # a message a person can act on
        assert type(exc) is DurationError
    else:
        assert 1 <= minutes <= MAX_MINUTES


@given(st.from_regex(r"\A[0-9 .,:hm]{0,400}\Z"))
def test_digit_soup_never_breaks_the_parser(text: str) -> None:
    try:
        assert 1 <= parse(text) <= MAX_MINUTES
    except DurationError:
        pass


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1h 30", 90), ("90", 90), ("1.5h", 90), ("1,5h", 90), (".5", 30), ("1:15", 75),
     ("2 hours", 120), ("45m", 45), ("1 hour 30 minutes", 90), ("24h", 1440)],
)  # fmt: skip
def test_examples_from_the_issue(text: str, minutes: int) -> None:
    assert parse(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Enter how long"), ("0", "more than zero"), ("-30", "Could not understand"),
     ("25h", "at most 24 hours"), ("1441", "at most 24 hours"), ("1h 75", "under 60"),
     ("soon", "Could not understand"), ("1" * 400 + "h", "too long"), ("1" * 5000, "too long")],
)  # fmt: skip
def test_bad_durations_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DurationError, match=message):
        parse(text)


@given(MINUTES)
def test_formatting_is_short_and_readable(minutes: int) -> None:
    text = format_minutes(minutes)
    assert len(text) <= 6
    hours, rest = divmod(minutes, 60)
    assert text.startswith(f"{hours}h" if hours else f"{rest}m")

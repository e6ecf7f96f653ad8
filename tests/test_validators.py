"""The text, date, time, yes/no, tag and reference checks every record kind uses,
property-tested. Pure functions, no database."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kexpwa.domain import days
from kexpwa.domain import text as t
from kexpwa.domain.validation import an_id
from kexpwa.settings import DEFAULT_CPL_TAGS

BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")
CONTROLS = st.sampled_from(
    [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]
    + ["\ud800", "\udfff", "\ufffd"]
)
ANY_TEXT = st.text(st.characters(codec=None), max_size=200)


@given(ANY_TEXT)
def test_text_never_keeps_a_control_or_broken_character(value: str) -> None:
    try:
        cleaned = t.text(value, label="Note", max_length=10_000)
    except t.FieldError as exc:
        assert BAD.search(value) and "cannot be stored" in str(exc)
    else:
        assert not BAD.search(cleaned)
        assert cleaned == cleaned.strip() and "\r" not in cleaned


@given(st.text(max_size=40), CONTROLS, st.text(max_size=40))
def test_any_control_character_anywhere_is_refused(before: str, bad: str, after: str) -> None:
    with pytest.raises(t.FieldError):
        t.text(before + bad + after, label="Note", max_length=10_000)


@given(st.text(max_size=300), st.integers(min_value=0, max_value=200))
def test_length_limit_counts_what_is_stored(value: str, limit: int) -> None:
    try:
        cleaned = t.text(value, label="Title", max_length=limit)
    except t.FieldError:
        return
    assert len(cleaned) <= limit


@given(st.text(max_size=100))
def test_one_line_is_one_line(value: str) -> None:
    try:
        cleaned = t.one_line(value, label="Title", max_length=200)
    except t.FieldError:
        return
    assert "\n" not in cleaned and "\t" not in cleaned and "  " not in cleaned


@given(st.sampled_from(["", "   ", "\n\t "]))
def test_required_text_must_have_something(value: str) -> None:
    with pytest.raises(t.FieldError, match="Enter title"):
        t.one_line(value, label="Title", max_length=200, required=True)


@given(st.dates(min_value=date(2000, 1, 1), max_value=days.today() + timedelta(days=1)))
def test_dates_up_to_tomorrow_are_accepted(day: date) -> None:
    assert t.a_date(day.isoformat(), label="Date") == day


@given(st.dates(min_value=days.today() + timedelta(days=2)))
def test_dates_further_ahead_are_refused(day: date) -> None:
    with pytest.raises(t.FieldError, match="more than a day in the future"):
        t.a_date(day.isoformat(), label="Date")


@given(st.one_of(ANY_TEXT, st.integers(), st.none(), st.lists(st.text(max_size=3))))
def test_date_field_answers_a_date_or_a_message(value: object) -> None:
    try:
        result = t.a_date(value, label="Date", required=False)
    except t.FieldError as exc:
        assert str(exc)
    else:
        assert result is None or isinstance(result, date)


@given(ANY_TEXT)
def test_time_field_is_empty_or_hh_mm(value: str) -> None:
    try:
        result = t.a_time(value, label="Time")
    except t.FieldError:
        return
    assert result == "" or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", result)


@given(st.one_of(ANY_TEXT, st.booleans(), st.none(), st.integers()))
def test_yes_no_is_a_bool_or_a_message(value: object) -> None:
    try:
        assert isinstance(t.a_bool(value, label="Share"), bool)
    except t.FieldError:
        assert value is not None and not isinstance(value, bool)
        assert not (isinstance(value, str) and value in ("", "true", "false", "on", "off"))


@given(st.lists(st.sampled_from(DEFAULT_CPL_TAGS)))
def test_tags_come_back_in_canonical_order_without_duplicates(chosen: list[str]) -> None:
    result = t.tags(chosen, allowed=DEFAULT_CPL_TAGS)
    assert result == [tag for tag in DEFAULT_CPL_TAGS if tag in chosen]


@given(st.lists(st.text(max_size=20), min_size=1))
def test_unknown_tags_are_refused(chosen: list[str]) -> None:
    if all(c in DEFAULT_CPL_TAGS for c in chosen):
        return
    with pytest.raises(t.FieldError, match="Unknown learning element"):
        t.tags(chosen, allowed=DEFAULT_CPL_TAGS)


@given(st.one_of(ANY_TEXT, st.uuids().map(str)))
def test_references_are_uuids_or_a_message(value: str) -> None:
    try:
        result = an_id(value, label="Project")
    except t.FieldError as exc:
        assert "not a valid reference" in str(exc)
    else:
        assert result is None or isinstance(result, uuid.UUID)


@given(st.text(max_size=50))
def test_search_terms_are_made_safe(value: str) -> None:
    assert not BAD.search(t.without_bad(value))

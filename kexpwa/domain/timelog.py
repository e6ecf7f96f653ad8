"""Time entries: knowledge-exchange time, each marked as work time or own time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from kexpwa.domain import durations, refs
from kexpwa.domain import text as t
from kexpwa.domain.kinds import Context, Form, Kind, Rule
from kexpwa.domain.validation import Collector, an_id, merged
from kexpwa.models.records import TimeEntry

NOTE_MAX = 500
FIELDS = frozenset(
    {"date", "duration", "minutes", "activity", "own_time", "project_id", "note", "share_note_lead"}
)


def serialize(entry: TimeEntry) -> dict[str, Any]:
    return {
        "date": entry.date.isoformat(),
        "minutes": entry.minutes,
        "activity": entry.activity,
        "own_time": entry.own_time,
        "project_id": str(entry.project_id) if entry.project_id else None,
        "note": entry.note,
        "share_note_lead": entry.share_note_lead,
    }


def _minutes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise t.FieldError("Minutes must be a whole number.")
    try:
        return durations.check(value)
    except durations.DurationError as exc:
        raise t.FieldError(str(exc)) from None


def _duration(value: object) -> int:
    if not isinstance(value, str):
        raise t.FieldError("Enter how long it took, for example 1h 30 or 45.")
    try:
        return durations.parse(value)
    except durations.DurationError as exc:
        raise t.FieldError(str(exc)) from None


def _activity(value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise t.FieldError("Choose an activity from the list.")
    assert isinstance(value, str)
    return value


async def validate(
    data: Mapping[str, Any], current: TimeEntry | None, ctx: Context
) -> dict[str, Any]:
    all_data = merged(serialize(current) if current else None, data)
    c = Collector(all_data)
    if data.get("duration") is not None:  # typed (an emptied field is an error, not "keep")
        c.field("duration", _duration, attr="minutes")
    elif "minutes" in all_data:
        c.field("minutes", _minutes)
    else:
        c.error("duration", "Enter how long it took, for example 1h 30 or 45.")
    c.field("date", partial(t.a_date, label="Date"))
    c.field("activity", partial(_activity, allowed=ctx.activities))
    c.field("own_time", partial(t.a_bool, label="Own time"))
    c.field("note", partial(t.one_line, label="Note", max_length=NOTE_MAX))
    c.field("share_note_lead", partial(t.a_bool, label="Share the note with my team lead"))
    project_id = c.field("project_id", partial(an_id, label="Project"))
    await c.confirm("project_id", lambda: refs.own(refs.PROJECT, project_id, ctx))
    return c.done()


def _tally(record: TimeEntry) -> tuple[tuple[str, date, int], ...]:
    """Minutes in the week's work or own time (kexpwa.domain.tally)."""
    return (("own" if record.own_time else "work", record.date, int(record.minutes)),)


KIND = Kind(
    name="time",
    label="time entry",
    model=TimeEntry,
    fields=FIELDS,
    validate=validate,
    serialize=serialize,
    form=Form(
        text=("date", "duration", "activity", "project_id", "note"),
        flags=("own_time", "share_note_lead"),
    ),
    search=("activity", "note"),
    order=("-date", "-created_at"),
    list_route="time",
    list_title="Time",
    warm_routes=("time", "time_new", "time_offline_edit"),
    client_label=("activity", "duration"),
    share_fields={"share_note_lead": "lead"},
    scanned=("note",),
    # Duration, activity and own time always count in the team's totals; the note only if the
    # owner shares it. Research reads the time of people whose research participation says yes.
    lead=Rule.ALWAYS,
    research=Rule.CONSENTED,
    lead_withheld={"note": "share_note_lead"},
    tally=_tally,
    filters=("project",),
    references=(refs.PROJECT,),
)

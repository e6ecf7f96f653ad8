"""Fieldwork notes: date, optional time and project, a short title, the body, tags, sharing."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from kexpwa.domain import refs, tally
from kexpwa.domain import text as t
from kexpwa.domain.kinds import Context, Form, Kind, Rule
from kexpwa.domain.validation import Collector, an_id, merged, tag_text
from kexpwa.models.records import Note

BODY_MAX = 20_000
TITLE_MAX = 200
FIELDS = frozenset(
    {"title", "body", "date", "time", "project_id", "tags", "share_lead", "share_research"}
)


def serialize(note: Note) -> dict[str, Any]:
    return {
        "title": note.title,
        "body": note.body,
        "date": note.date.isoformat(),
        "time": note.time,
        "project_id": str(note.project_id) if note.project_id else None,
        "tags": list(note.tags),
        "share_lead": note.share_lead,
        "share_research": note.share_research,
    }


async def validate(data: Mapping[str, Any], current: Note | None, ctx: Context) -> dict[str, Any]:
    c = Collector(merged(serialize(current) if current else None, data))
    c.field("title", partial(t.one_line, label="Title", max_length=TITLE_MAX, required=True))
    c.field("body", partial(t.text, label="Note", max_length=BODY_MAX))
    c.field("date", partial(t.a_date, label="Date"))
    c.field("time", partial(t.a_time, label="Time"))
    tags = c.field("tags", partial(t.tags, allowed=ctx.cpl_tags))
    c.field("share_lead", partial(t.a_bool, label="Share with my team lead"))
    c.field("share_research", partial(t.a_bool, label="Include in the research dataset"))
    project_id = c.field("project_id", partial(an_id, label="Project"), attr="project_id")
    await c.confirm("project_id", lambda: refs.own(refs.PROJECT, project_id, ctx))
    values = c.done()
    values["tag_text"] = tag_text(tags or [])
    return values


KIND = Kind(
    name="note",
    label="fieldwork note",
    model=Note,
    fields=FIELDS,
    validate=validate,
    serialize=serialize,
    form=Form(
        text=("title", "body", "date", "time", "project_id"),
        flags=("share_lead", "share_research"),
        lists=("tags",),
    ),
    search=("title", "body"),
    order=("-date", "-time", "-created_at"),
    list_route="notes",
    list_title="Fieldwork notes",
    warm_routes=("notes", "note_new", "note_offline_edit"),
    client_label=("title",),
    share_fields={"share_lead": "lead", "share_research": "research"},
    lead=Rule.SHARED,
    tally=tally.note_like("note"),
    research=Rule.SHARED,
    filters=("project", "tag"),
    references=(refs.PROJECT,),
    scanned=("title", "body"),
)

"""Reflective journal entries, written with a template from journal_templates."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from kexpwa.domain import journal_templates, refs, tally
from kexpwa.domain import text as t
from kexpwa.domain.kinds import Context, Form, Kind, Rule
from kexpwa.domain.validation import Collector, an_id, merged, tag_text
from kexpwa.models.records import JournalEntry

SECTION_MAX = 20_000
TITLE_MAX = 200
FIELDS = frozenset(
    {
        "template",
        "title",
        "sections",
        "date",
        "session_date",
        "session_title",
        "source_id",
        "tags",
        "share_lead",
        "share_research",
    }
)


def serialize(entry: JournalEntry) -> dict[str, Any]:
    return {
        "template": entry.template,
        "title": entry.title,
        "sections": dict(entry.sections),
        "date": entry.date.isoformat(),
        "session_date": entry.session_date.isoformat() if entry.session_date else None,
        "session_title": entry.session_title,
        "source_id": str(entry.source_id) if entry.source_id else None,
        "tags": list(entry.tags),
        "share_lead": entry.share_lead,
        "share_research": entry.share_research,
    }


def _sections(value: object, template: journal_templates.Template) -> dict[str, str]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise t.FieldError("Sections must be a mapping of section to text.")
    unknown = [k for k in value if k not in template.keys()]
    if unknown:
        raise t.FieldError(f"{str(unknown[0])[:40]!r} is not a section of {template.name}.")
    out: dict[str, str] = {}
    for section in template.sections:
        out[section.key] = t.text(
            value.get(section.key), label=section.label, max_length=SECTION_MAX
        )
    if not any(out.values()):
        raise t.FieldError("Write something in at least one section.")
    return out


async def validate(
    data: Mapping[str, Any], current: JournalEntry | None, ctx: Context
) -> dict[str, Any]:
    all_data = merged(serialize(current) if current else None, data)
    c = Collector(all_data)
    template = journal_templates.get(str(all_data.get("template") or ""))
    if template is None:
        c.error("template", "Choose a template from the list.")
    else:
        c.values["template"] = template.key
        try:
            c.values["sections"] = _sections(all_data.get("sections"), template)
        except t.FieldError as exc:
            c.error("sections", str(exc))
    title_required = template is None or not template.quick
    title = c.field(
        "title", partial(t.one_line, label="Title", max_length=TITLE_MAX, required=title_required)
    )
    if not title and template is not None and template.quick and "sections" in c.values:
        first = c.values["sections"].get("note", "")
        c.values["title"] = " ".join(first.split())[:60] or "Quick note"
    c.field("date", partial(t.a_date, label="Date"))
    c.field("session_date", partial(t.a_date, label="Session date", required=False))
    c.field("session_title", partial(t.one_line, label="Session title", max_length=TITLE_MAX))
    tags = c.field("tags", partial(t.tags, allowed=ctx.cpl_tags))
    c.field("share_lead", partial(t.a_bool, label="Share with my team lead"))
    c.field("share_research", partial(t.a_bool, label="Include in the research dataset"))
    source = c.field("source_id", partial(an_id, label="Quick note"))
    await c.confirm("source_id", lambda: refs.own(refs.QUICK_NOTE, source, ctx))
    values = c.done()
    values["tag_text"] = tag_text(tags or [])
    values["search_text"] = "\n\n".join(v for v in values["sections"].values() if v)
    return values


KIND = Kind(
    name="journal",
    label="journal entry",
    model=JournalEntry,
    fields=FIELDS,
    validate=validate,
    serialize=serialize,
    form=Form(
        text=("template", "title", "date", "session_date", "session_title", "source_id"),
        flags=("share_lead", "share_research"),
        lists=("tags",),
        maps=("sections",),
    ),
    search=("title", "search_text", "session_title"),
    order=("-date", "-created_at"),
    list_route="journal",
    list_title="Journal",
    warm_routes=("journal", "journal_new"),
    client_label=("title",),
    share_fields={"share_lead": "lead", "share_research": "research"},
    scanned=("title", "sections"),
    lead=Rule.SHARED,
    tally=tally.note_like("journal"),
    research=Rule.SHARED,
    filters=("tag",),
    references=(refs.QUICK_NOTE,),
)

"""The reflective journal: choose a template, write its sections, link a reflection-group
session; a quick note in the moment can later grow into a full entry (see
kexpwa.domain.journal_templates). Shared behaviour is in kexpwa.views.capture."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kexpwa.domain import days, journal_templates, queries
from kexpwa.domain.journal import SECTION_MAX
from kexpwa.models.records import JournalEntry
from kexpwa.views import capture, feedback
from kexpwa.views.area import Area, owner_of
from kexpwa.web.templating import render


def _describe(entry: JournalEntry) -> list[tuple[str, str]]:
    rows = [("Title", entry.title), ("Date", entry.date.isoformat())]
    template = journal_templates.get(entry.template)
    labels = {s.key: s.label for s in template.sections} if template else {}
    rows += [(labels.get(key, key), str(text)) for key, text in entry.sections.items() if text]
    return rows


async def _source(request: Request, raw: object) -> JournalEntry | None:
    """The owner's entry ``raw`` names (a quick note this one grew from), if any."""
    try:
        source_id = uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None
    if source_id is None:
        return None
    found = await queries.get_own("journal", owner_of(request), source_id)
    assert found is None or isinstance(found, JournalEntry)
    return found


async def _extras(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "template": journal_templates.get(str(values.get("template") or "")),
        "template_options": [(t.key, t.name) for t in journal_templates.TEMPLATES.values()],
        "source": await _source(request, values.get("source_id")),
        "section_max": SECTION_MAX,
    }


def _offline_values(request: Request) -> dict[str, Any] | None:
    """The offline edit form is one per template (``?template=<key>``), as its sections are."""
    template = journal_templates.get(request.query_params.get("template", ""))
    return None if template is None else {"template": template.key}


AREA = Area(
    kind="journal",
    folder="journal",
    stem="journal",
    noun="journal entry",
    plural="journal entries",
    summary=lambda entry: str(entry.title),
    describe=_describe,
    defaults=lambda: {"date": days.today().isoformat(), "sections": {}},
    extras=_extras,
    offline_values=_offline_values,
    show_route="journal_entry",
)


async def index(request: Request) -> Response:
    return await capture.list_page(request, AREA, {"templates": journal_templates.TEMPLATES})


async def new(request: Request) -> Response:
    """``?template=<key>`` opens that template's form; without one, the list of templates.
    ``&from=<quick note id>`` starts a full entry from a quick note, keeping the link."""
    source = None
    if request.query_params.get("from"):
        source = await _source(request, request.query_params["from"])
        if source is None or source.deleted_at is not None:
            raise HTTPException(404, "That quick note was not found.")
    template = journal_templates.get(request.query_params.get("template", ""))
    if template is None or (source is not None and template.quick):
        choices = (
            journal_templates.FULL_TEMPLATES
            if source
            else tuple(journal_templates.TEMPLATES.values())
        )
        return render(request, "journal/templates.html", {"choices": choices, "source": source})
    values: dict[str, Any] = {"template": template.key}
    if source is not None:
        text = "\n\n".join(str(v) for v in source.sections.values() if v)
        values.update(
            title=source.title,
            sections={template.sections[0].key: text},
            source_id=str(source.id),
            tags=list(source.tags),
        )
    return await capture.new_form(request, AREA, values)


async def entry(request: Request) -> Response:
    """One entry, read-only, with the quick note it grew from or the entries it grew into,
    and its feedback thread (kexpwa.views.feedback)."""
    record = await capture.own_live(request, AREA)
    assert isinstance(record, JournalEntry)
    source = await _source(request, record.source_id)
    followups = await queries.followups(record.owner_id, record.id)
    return render(
        request,
        "journal/entry.html",
        {
            "area": AREA,
            "record": record,
            "template": journal_templates.get(record.template),
            "source": source if source is not None and source.deleted_at is None else None,
            "followups": followups,
            **await feedback.own_context(request, AREA.kind, record),
        },
    )

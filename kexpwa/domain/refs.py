"""References between a practitioner's records, declared once (a kind lists its
``references``) and checked so nobody can point at someone else's record (another person's
project is "not found", exactly like a missing one)."""

from __future__ import annotations

import uuid

from kexpwa.domain.kinds import Context, Reference
from kexpwa.domain.text import FieldError
from kexpwa.models.records import JournalEntry, Project

PROJECT = Reference(
    "project_id", Project, missing="Choose one of your projects (that one was not found)."
)
# A full entry keeps its link to the quick note it grew from even once that note is deleted.
QUICK_NOTE = Reference(
    "source_id",
    JournalEntry,
    missing="The quick note this grew from was not found.",
    live_only=False,
)


async def own(ref: Reference, record_id: uuid.UUID | None, ctx: Context) -> uuid.UUID | None:
    """``record_id`` if it names one of the actor's records of the reference's target (a live
    one, unless the reference allows deleted ones); raises FieldError otherwise."""
    if record_id is None:
        return None
    query = ref.target.filter(id=record_id, owner_id=ctx.actor.id)
    if ref.live_only:
        query = query.filter(deleted_at__isnull=True)
    if not await query.exists():
        raise FieldError(ref.missing)
    return record_id

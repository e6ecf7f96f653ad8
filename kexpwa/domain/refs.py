"""References between a practitioner's records, checked so nobody can point at someone
else's record (another person's project is "not found", exactly like a missing one)."""

from __future__ import annotations

import uuid

from kexpwa.domain.kinds import Context
from kexpwa.domain.text import FieldError
from kexpwa.models.records import JournalEntry, Project


async def own_project(project_id: uuid.UUID | None, ctx: Context) -> uuid.UUID | None:
    if project_id is None:
        return None
    exists = await Project.filter(
        id=project_id, owner_id=ctx.actor.id, deleted_at__isnull=True
    ).exists()
    if not exists:
        raise FieldError("Choose one of your projects (that one was not found).")
    return project_id


async def own_quick_note(entry_id: uuid.UUID | None, ctx: Context) -> uuid.UUID | None:
    if entry_id is None:
        return None
    exists = await JournalEntry.filter(id=entry_id, owner_id=ctx.actor.id).exists()
    if not exists:
        raise FieldError("The quick note this grew from was not found.")
    return entry_id

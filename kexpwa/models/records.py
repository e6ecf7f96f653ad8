"""A practitioner's own records: research projects, fieldwork notes, journal entries, time.

Every synced record shares one shape, :class:`Record`: a client-generated UUID, an owner, a
``version`` that goes up on every change (the sync engine's conflict check), a ``change_no`` from
the authority's change counter (the pull cursor), and ``deleted_at`` for soft deletes
(tombstones).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from kexpwa.models.account import User


class Record(Model):
    """The shape every synced record shares: the change path (kexpwa.domain.changes), the
    pull feed and the tombstone purge rely on these fields and nothing else of a model."""

    id = fields.UUIDField(primary_key=True)
    # No reverse relation on User (``user.notes``): records are read through their kind's
    # queries. RESTRICT: an account with records is deactivated, never deleted with them.
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name=False, on_delete=fields.RESTRICT
    )
    owner_id: uuid.UUID
    version = fields.IntField(default=1)  # goes up on every change: the conflict check
    change_no = fields.BigIntField(db_index=True)  # the authority's change counter: the cursor
    deleted_at = fields.DatetimeField(null=True)  # a tombstone while set
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class Project(Record):
    title = fields.CharField(max_length=200)
    question = fields.TextField(default="")
    stage = fields.CharField(max_length=16, default="plan")
    substep = fields.CharField(max_length=32, default="")
    start_date = fields.DateField(null=True)
    members: fields.ManyToManyRelation[User] = fields.ManyToManyField(
        "authority.User", related_name="member_of_projects", through="project_member"
    )

    class Meta:
        table = "project"
        indexes = (("owner_id", "deleted_at", "updated_at"),)


class ProjectStageChange(Model):
    id = fields.BigIntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "authority.Project", related_name="stage_changes", on_delete=fields.CASCADE
    )
    project_id: uuid.UUID
    stage = fields.CharField(max_length=16)
    substep = fields.CharField(max_length=32, default="")
    changed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "project_stage_change"
        ordering = ["changed_at", "id"]


class Note(Record):
    """A fieldwork note."""

    date = fields.DateField()
    time = fields.CharField(max_length=5, default="")
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "authority.Project", related_name="notes", null=True, on_delete=fields.SET_NULL
    )
    project_id: uuid.UUID | None
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    tags: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # "|tag|tag|": the same tags as searchable text (JSON containment is not portable).
    tag_text = fields.CharField(max_length=2000, default="")
    share_lead = fields.BooleanField(default=False)
    share_research = fields.BooleanField(default=False)

    class Meta:
        table = "note"
        # The list: the owner's live notes, newest first (also makes the count cheap); the
        # lead's shared list, newest first, with ``id`` last for a stable page order.
        indexes = (
            ("owner_id", "deleted_at", "date", "time", "created_at"),
            ("share_lead", "deleted_at", "date", "time", "created_at", "id"),
        )


class JournalEntry(Record):
    """A reflective journal entry written with one of the templates in kexpwa.domain.templates."""

    date = fields.DateField()
    template = fields.CharField(max_length=32)
    title = fields.CharField(max_length=200)
    # {prompt key: text}; the keys come from the template, so a new template needs no migration.
    sections: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # The sections' text joined, for search (JSON text search is not portable).
    search_text = fields.TextField(default="")
    session_date = fields.DateField(null=True)
    session_title = fields.CharField(max_length=200, default="")
    # The quick note this full entry grew from (reflection-in-action, then -on-action).
    source: fields.ForeignKeyNullableRelation[JournalEntry] = fields.ForeignKeyField(
        "authority.JournalEntry", related_name="followups", null=True, on_delete=fields.SET_NULL
    )
    source_id: uuid.UUID | None
    tags: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # "|tag|tag|": the same tags as searchable text (JSON containment is not portable).
    tag_text = fields.CharField(max_length=2000, default="")
    share_lead = fields.BooleanField(default=False)
    share_research = fields.BooleanField(default=False)

    class Meta:
        table = "journal_entry"
        indexes = (
            ("owner_id", "deleted_at", "date", "created_at"),
            ("share_lead", "deleted_at", "date", "created_at", "id"),
        )


class TimeEntry(Record):
    date = fields.DateField()
    minutes = fields.IntField()
    activity = fields.CharField(max_length=80)
    own_time = fields.BooleanField(default=False)
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "authority.Project", related_name="time_entries", null=True, on_delete=fields.SET_NULL
    )
    project_id: uuid.UUID | None
    note = fields.CharField(max_length=500, default="")
    # Duration, activity and own time always count in team totals; the note only if shared.
    share_note_lead = fields.BooleanField(default=False)

    class Meta:
        table = "time_entry"
        # The list, newest first, and the week's totals (a date range).
        indexes = (("owner_id", "deleted_at", "date", "created_at"),)


class RecordVersion(Model):
    """The state of a record before each change: edits never lose the previous version."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    record_id = fields.UUIDField()
    version = fields.IntField()
    data: fields.JSONField[Any] = fields.JSONField()
    saved_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "record_version"
        unique_together = (("kind", "record_id", "version"),)


class SharingChange(Model):
    """Every change of a sharing choice, with its date: consent can be withdrawn."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    record_id = fields.UUIDField(db_index=True)
    audience = fields.CharField(max_length=16)  # "lead" or "research"
    shared = fields.BooleanField()
    changed_at = fields.DatetimeField(auto_now_add=True)
    actor_id = fields.UUIDField()

    class Meta:
        table = "sharing_change"

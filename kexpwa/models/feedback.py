"""Feedback: a short comment on a shared note or journal entry, by a team lead of its owner's
team or by its owner (a reply). Append-only; who reads it is decided by its parent entry (see
kexpwa.domain.visibility and kexpwa.domain.feedback)."""

from __future__ import annotations

from tortoise import fields

from kexpwa.models.records import Record


class Feedback(Record):
    # ``owner`` (from Record) is the author. The parent is named by kind and id, not by a
    # foreign key, since it lives in one of two tables; its owner is kept alongside so a
    # thread's readers are found without a join (an entry's owner never changes).
    # (Not a docstring: Tortoise copies docstrings into SQL comments.)

    parent_kind = fields.CharField(max_length=16)
    parent_id = fields.UUIDField()
    parent_owner_id = fields.UUIDField()
    body = fields.TextField()
    author_name = fields.CharField(max_length=200, default="")  # as it was when written
    by_owner = fields.BooleanField(default=False)  # a reply by the entry's owner

    class Meta:
        table = "feedback"
        indexes = (
            ("parent_kind", "parent_id", "created_at"),
            ("parent_owner_id", "change_no"),
        )

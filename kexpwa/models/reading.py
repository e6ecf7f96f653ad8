"""What a team lead has read, and each member's weekly tallies (the team overview's numbers)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ReadMark(Model):
    # A lead opened a shared entry: one row per (reader, kind, record), the first time. Also
    # (kind "feedback", the comment's id) someone was shown a comment on their entry's page.
    # (Not a docstring: Tortoise copies docstrings into SQL comments.)

    id = fields.BigIntField(primary_key=True)
    reader_id = fields.UUIDField()
    kind = fields.CharField(max_length=16)
    record_id = fields.UUIDField()
    read_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "read_mark"
        unique_together = (("reader_id", "kind", "record_id"),)


class WeekTally(Model):
    # Per owner, per week (its Monday, from the entry's own date) and per bucket ("note",
    # "journal", "work", "own"): how many live entries and how many minutes. Kept by the
    # change path in the same transaction as the record (kexpwa.domain.tally), so the team
    # overview and charts read a few hundred rows instead of every entry.

    id = fields.BigIntField(primary_key=True)
    owner_id = fields.UUIDField()
    week = fields.DateField()
    bucket = fields.CharField(max_length=16)
    entries = fields.IntField(default=0)
    minutes = fields.BigIntField(default=0)

    class Meta:
        table = "week_tally"
        unique_together = (("owner_id", "week", "bucket"),)

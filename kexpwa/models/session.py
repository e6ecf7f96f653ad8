"""The shape of a signed-in session record, shared by council users' sessions (in their
authority's database) and research accounts' sessions (in the directory database)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SessionRecord(Model):
    """The fields every session record has; each concrete model adds ``user``, the account it
    belongs to (see ``UserSession`` for what the fields mean)."""

    id = fields.UUIDField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    device = fields.CharField(max_length=64, default="")  # browser family and OS, never the UA
    version = fields.IntField()  # the account's session_version when it began
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=16, default="")

    class Meta:
        abstract = True

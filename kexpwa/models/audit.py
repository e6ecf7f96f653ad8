"""The authority's audit trail. Records say who did what to which record, never the content."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_id = fields.UUIDField(null=True)
    actor_role = fields.CharField(max_length=16, default="")
    action = fields.CharField(max_length=48, db_index=True)
    target_kind = fields.CharField(max_length=24, default="")
    target_id = fields.CharField(max_length=64, default="")
    # Small structured facts only (counts, role names, usernames typed at sign-in). No content.
    detail: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_event"
        ordering = ["-id"]

"""The cross-authority directory database: research accounts, their sessions and audit trail.

Nothing here belongs to a council; no authority record is ever stored here.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from kexpwa.models.session import SessionRecord


class ResearchAccount(Model):
    id = fields.UUIDField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    session_version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "research_account"


class DirectoryAuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_id = fields.UUIDField(null=True)
    action = fields.CharField(max_length=48, db_index=True)
    detail: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "directory_audit_event"
        ordering = ["-id"]


class ResearchSession(SessionRecord):
    """One signed-in session of a research account, the same shape as ``UserSession``."""

    user: fields.ForeignKeyRelation[ResearchAccount] = fields.ForeignKeyField(
        "directory.ResearchAccount", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID

    class Meta:
        table = "research_session"
        indexes = (("user_id", "ended_at"),)


class ResearchExport(Model):
    """One finished research export: who, when, the filters, row counts and the manifest's
    SHA-256 (the fellow's "past exports"). A download that broke midway leaves no row."""

    id = fields.UUIDField(primary_key=True)
    account: fields.ForeignKeyNullableRelation[ResearchAccount] = fields.ForeignKeyField(
        "directory.ResearchAccount", related_name="exports", null=True, on_delete=fields.SET_NULL
    )
    account_id: uuid.UUID | None  # None: made with the CLI
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    filters: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    counts: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    manifest_sha256 = fields.CharField(max_length=64)

    class Meta:
        table = "research_export"
        ordering = ["-created_at"]

"""People and teams of one authority."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from kexpwa.models.session import SessionRecord


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    TEAM_LEAD = "team_lead"
    ADMIN = "admin"
    # The research role never has a row here: research accounts live in the directory database.
    RESEARCH = "research"


AUTHORITY_ROLES = (Role.PRACTITIONER, Role.TEAM_LEAD, Role.ADMIN)


class Team(Model):
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    leads: fields.ManyToManyRelation[User]
    members: fields.ReverseRelation[User]

    class Meta:
        table = "team"
        ordering = ["name"]


class User(Model):
    id = fields.UUIDField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16)
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "authority.Team", related_name="members", null=True, on_delete=fields.SET_NULL
    )
    team_id: uuid.UUID | None
    led_teams: fields.ManyToManyRelation[Team] = fields.ManyToManyField(
        "authority.Team", related_name="leads", through="team_lead"
    )
    is_active = fields.BooleanField(default=True)
    # Bumped by "sign out everywhere" and deactivation; sessions carry the value they began with.
    session_version = fields.IntField(default=1)
    # Set by an admin's password reset: the temporary password must be changed at next sign-in.
    must_change_password = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "user"

    def __str__(self) -> str:
        return self.username


class UserSession(SessionRecord):
    """One signed-in session of a council user, checked on every request.

    The browser's cookie holds a random token; only its SHA-256 (``key_hash``) is stored, so a
    copy of this table cannot be replayed as cookies. ``ended_at`` is set once, with the reason,
    when the session ends (sign-out, sign out everywhere, deactivation, expiry, ...).
    """

    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    # The device install (sync client) this session last pushed from: revoking the device
    # ends the sessions it used (no foreign key: the session may outlive a purged device).
    sync_client_id = fields.UUIDField(null=True)

    class Meta:
        table = "user_session"
        indexes = (("user_id", "ended_at"),)

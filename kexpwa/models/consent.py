"""A practitioner's research participation: whether their time log and research stages go into
the research dataset. Off until they say yes; every change is also kept, dated, as a
``SharingChange`` (kind ``participation``, audience ``research``), so a withdrawal is on record."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from kexpwa.models.account import User


class ResearchConsent(Model):
    id = fields.BigIntField(primary_key=True)
    # One row per person; no row means "no" (the default).
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name=False, on_delete=fields.CASCADE, unique=True
    )
    user_id: uuid.UUID
    time_and_projects = fields.BooleanField(default=False)
    changed_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "research_consent"

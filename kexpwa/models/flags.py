"""Identifier flags: where a record's text looks like it holds an identifier of a child or
family (kexpwa.domain.identifiers). A flag says which field, which detector and where (UTF-16
offsets), never what the text was: the owner sees the text in their own entry."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from kexpwa.models.account import User


class IdentifierFlag(Model):
    """One likely identifier in one field of one record, by position, never its text.

    ``resolved`` is null until the owner saves with "Save anyway" (``confirmed``, or their
    reason: ``not_identifier``, ``about_me``, ``other``); an edit of the record's text computes
    its flags again."""

    id = fields.BigIntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name=False, on_delete=fields.CASCADE
    )
    owner_id: uuid.UUID
    record_kind = fields.CharField(max_length=16)  # the kind's wire name: "note"
    record_id = fields.UUIDField()
    field = fields.CharField(max_length=80)  # "body", "sections.incident"
    detector = fields.CharField(max_length=16)  # "chi", "nino", "postcode", ...
    start = fields.IntField()  # UTF-16 code units, as the phone counts
    end = fields.IntField()
    checked = fields.BooleanField(default=False)  # a check digit was verified
    strong = fields.BooleanField(default=False)  # a postcode in the two councils' districts
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "identifier_flag"
        indexes = (("record_kind", "record_id"), ("owner_id", "resolved"))

"""Web Push subscriptions of one authority's users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from kexpwa.models.account import User


class PushSubscription(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name="push_subscriptions", on_delete=fields.CASCADE
    )
    endpoint = fields.TextField()
    endpoint_hash = fields.CharField(max_length=64, unique=True)
    p256dh = fields.CharField(max_length=200)
    auth = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "push_subscription"

"""Web Push: each device's subscription, each person's preferences, the notification outbox,
and the reflection-group session calendar the reminders come from (see kexpwa/push/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from kexpwa.models.account import User


class PushSubscription(Model):
    # One browser's push endpoint for one person (a person may have several devices).
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name="push_subscriptions", on_delete=fields.CASCADE
    )
    endpoint = fields.TextField()
    endpoint_hash = fields.CharField(max_length=64, unique=True)
    p256dh = fields.CharField(max_length=200)
    auth = fields.CharField(max_length=64)
    # The browser family only (kexpwa.auth.agents), never the whole header.
    user_agent = fields.CharField(max_length=64, default="", db_default="")
    # The session that subscribed: signing out of it removes this device's subscription.
    session_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # The last push the vendor's service accepted.
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "push_subscription"


class PushPreference(Model):
    # What one person wants to be told, and when not (hours are Europe/London).
    id = fields.UUIDField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "authority.User", related_name="push_preference", on_delete=fields.CASCADE
    )
    weekly = fields.BooleanField(default=True)
    weekly_day = fields.IntField(default=4)  # Monday is 0: Friday
    weekly_hour = fields.IntField(default=14)
    sessions = fields.BooleanField(default=True)
    feedback = fields.BooleanField(default=True)
    attention = fields.BooleanField(default=True)
    digest = fields.BooleanField(default=False)
    quiet_start = fields.IntField(default=20)
    quiet_end = fields.IntField(default=8)
    quiet_weekends = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "push_preference"


class PushNotification(Model):
    # The outbox: one row per event and device, written in the event's own transaction.
    # It names a notification type only; the words and the URL come from the type
    # (kexpwa.push.types), so no personal data or entry text is ever stored or sent.
    id = fields.UUIDField(primary_key=True)
    subscription: fields.ForeignKeyRelation[PushSubscription] = fields.ForeignKeyField(
        "authority.PushSubscription", related_name="notifications", on_delete=fields.CASCADE
    )
    type = fields.CharField(max_length=16)
    # "<event>:<subscription id>": an event is queued for a device once however often asked.
    key = fields.CharField(max_length=160, unique=True)
    due_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "push_notification"


class ReflectionSession(Model):
    # A reflection group's meeting, kept by an admin or a team lead, with the reading sent in
    # advance (its page is kept ready on phones, so it can be read offline).
    id = fields.UUIDField(primary_key=True)
    starts_at = fields.DatetimeField(db_index=True)
    title = fields.CharField(max_length=120)
    reading = fields.TextField(default="")
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reflection_session"

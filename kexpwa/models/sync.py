"""Sync bookkeeping: the change counter, devices, the applied-mutation log and kept conflicts."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from kexpwa.models.account import User


class ChangeCounter(Model):
    # One row per authority database, incremented inside every writing transaction. Its row
    # lock serialises writers, so change numbers become visible in order (gap-free pull).
    # (Not a docstring: Tortoise copies docstrings into SQL comments, and ";" breaks SQLite.)

    id = fields.IntField(primary_key=True)
    value = fields.BigIntField(default=0)
    # The highest change number of any purged tombstone: a pull cursor below it may have
    # missed a delete, so such a device starts again from the beginning (see sync/PROTOCOL.md).
    purged_through = fields.BigIntField(default=0, db_default=0)

    class Meta:
        table = "change_counter"


class SyncClient(Model):
    """One device install. ``last_seq`` is the highest mutation seq applied from it."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name="sync_clients", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    last_seq = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now=True)
    # Browser family and system ("Chrome on Android", kexpwa.auth.agents), never the full UA.
    device = fields.CharField(max_length=64, default="", db_default="")
    # Set once by an admin: nothing from this install is accepted afterwards (401 revoked).
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sync_client"


class AppliedMutation(Model):
    """The mutation log. The primary key on ``mutation_id`` makes exactly-once a database rule."""

    mutation_id = fields.UUIDField(primary_key=True)
    client: fields.ForeignKeyRelation[SyncClient] = fields.ForeignKeyField(
        "authority.SyncClient", related_name="mutations", on_delete=fields.CASCADE
    )
    client_id: uuid.UUID
    seq = fields.BigIntField()
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name="applied_mutations", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    kind = fields.CharField(max_length=32)
    record_id = fields.UUIDField()
    status = fields.CharField(max_length=16)
    result: fields.JSONField[Any] = fields.JSONField()
    applied_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "applied_mutation"
        unique_together = (("client", "seq"),)


class Conflict(Model):
    """A losing payload, kept on the server until its owner resolves it."""

    id = fields.UUIDField(primary_key=True)
    mutation_id = fields.UUIDField(unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "authority.User", related_name="conflicts", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    kind = fields.CharField(max_length=32)
    record_id = fields.UUIDField(db_index=True)
    base_version = fields.IntField(null=True)
    server_version = fields.IntField()
    payload: fields.JSONField[Any] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sync_conflict"

"""Background jobs of one authority, kept in that authority's own database."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class Job(Model):
    # A unit of background work, claimed by one worker at a time (see kexpwa/jobs/queue.py).
    # The payload holds ids only, never personal data, and a failure keeps only the error's
    # class name: exception messages can quote what a person wrote.
    # (Not a docstring: Tortoise copies docstrings into SQL comments.)

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # Set for jobs that must be queued once only (a daily purge: "purge:2026-11-29").
    key = fields.CharField(max_length=128, null=True, unique=True)
    status = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=5)
    run_after = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    finished_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "job"
        indexes = (("status", "run_after"),)

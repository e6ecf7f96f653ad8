"""Writing audit records. They name actor, action and target; never a password or any content."""

from __future__ import annotations

import uuid
from typing import Any

from kexpwa.models.audit import AuditEvent
from kexpwa.models.directory import DirectoryAuditEvent


async def record(
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    actor_role: str = "",
    target_kind: str = "",
    target_id: str | uuid.UUID = "",
    **detail: Any,
) -> None:
    """Append an event to the bound authority's audit table."""
    await AuditEvent.create(
        action=action,
        actor_id=actor_id,
        actor_role=str(actor_role),
        target_kind=target_kind,
        target_id=str(target_id),
        detail=detail,
    )


async def record_directory(
    action: str, *, actor_id: uuid.UUID | None = None, **detail: Any
) -> None:
    """Append an event to the directory's audit table (research accounts, exports)."""
    await DirectoryAuditEvent.create(action=action, actor_id=actor_id, detail=detail)

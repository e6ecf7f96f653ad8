"""Each person's devices, from sync's client registrations, and revoking one.

A revoked device is cut off for good: the sessions it used end (reason ``revoked``, so its
next contact is told 401 ``revoked`` and it wipes what it holds), and any later push from its
client id is refused the same way (``kexpwa.syncing.store``), even from a new session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from kexpwa import audit
from kexpwa.admin.rules import Actor, NotFound
from kexpwa.auth import sessions
from kexpwa.models.account import UserSession
from kexpwa.models.sync import AppliedMutation, Conflict, SyncClient


@dataclass(frozen=True)
class DeviceRow:
    id: uuid.UUID
    user_id: uuid.UUID
    device: str
    first_seen: datetime
    last_sync: datetime
    open_conflicts: int
    revoked_at: datetime | None


async def of_person(user_id: uuid.UUID) -> list[DeviceRow]:
    """A person's device installs, most recently synced first, with their open conflicts."""
    clients = await SyncClient.filter(user_id=user_id).order_by("-last_seen_at")
    conflicts = await _conflicts_by_client(user_id)
    return [
        DeviceRow(
            c.id,
            c.user_id,
            c.device or "Unknown browser",
            c.created_at,
            c.last_seen_at,
            conflicts.get(c.id, 0),
            c.revoked_at,
        )
        for c in clients
    ]


async def _conflicts_by_client(user_id: uuid.UUID) -> dict[uuid.UUID, int]:
    # A kept conflict names its mutation; the mutation log names the device it came from.
    ids = await Conflict.filter(user_id=user_id, resolved_at=None).values_list(
        "mutation_id", flat=True
    )
    counts: dict[uuid.UUID, int] = {}
    for client_id in await AppliedMutation.filter(mutation_id__in=list(ids)).values_list(
        "client_id", flat=True
    ):
        key = uuid.UUID(str(client_id))
        counts[key] = counts.get(key, 0) + 1
    return counts


async def device(client_id: uuid.UUID | str) -> SyncClient:
    try:
        key = uuid.UUID(str(client_id))
    except ValueError:
        raise NotFound("No such device in this council.") from None
    found = await SyncClient.get_or_none(id=key).prefetch_related("user")
    if found is None:
        raise NotFound("No such device in this council.")
    return found


async def revoke(actor: Actor, client_id: uuid.UUID | str) -> SyncClient:
    """Cut a device off. Entries waiting on it are lost (it wipes itself at its next
    contact); nothing it sends afterwards is accepted. Revoking twice changes nothing."""
    found = await device(client_id)
    if found.revoked_at is not None:
        return found
    found.revoked_at = datetime.now(UTC)
    await SyncClient.filter(id=found.id).update(revoked_at=found.revoked_at)
    ended = await UserSession.filter(sync_client_id=found.id, ended_at=None).update(
        ended_at=found.revoked_at, end_reason=sessions.Reason.DEVICE_REVOKED
    )
    await audit.record(
        "device.revoked",
        target_kind="device",
        target_id=found.id,
        user=found.user.username,
        sessions=ended,
        actor_id=actor.id,
        actor_role=actor.role,
    )
    return found

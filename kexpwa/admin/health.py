"""Sync health for an admin: who has not synced for N days, and open conflicts by person.
Counts and dates only; never an entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.functions import Count, Max

from kexpwa.models.account import Role, User
from kexpwa.models.sync import Conflict, SyncClient


@dataclass(frozen=True)
class Quiet:
    id: uuid.UUID
    username: str
    display_name: str
    last_sync: datetime | None  # None: never synced from any device


@dataclass(frozen=True)
class Conflicted:
    id: uuid.UUID
    username: str
    display_name: str
    open_conflicts: int


async def quiet(days: int) -> list[Quiet]:
    """Active practitioners and team leads whose devices have not synced for ``days`` days
    (or never), the longest quiet first."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    last = dict(
        await SyncClient.filter(revoked_at=None)
        .group_by("user_id")
        .annotate(last=Max("last_seen_at"))
        .values_list("user_id", "last")
    )
    capturing = await User.filter(
        is_active=True, role__in=[Role.PRACTITIONER, Role.TEAM_LEAD]
    ).order_by("username")
    rows = [
        Quiet(u.id, u.username, u.display_name, last.get(u.id))
        for u in capturing
        if last.get(u.id) is None or last[u.id] < cutoff
    ]
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: r.last_sync or never)


async def conflicts() -> list[Conflicted]:
    """People with open (unresolved) conflicts, most first: counts only."""
    counted = dict(
        await Conflict.filter(resolved_at=None)
        .group_by("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    users = await User.filter(id__in=list(counted)).order_by("username")
    rows = [Conflicted(u.id, u.username, u.display_name, counted[u.id]) for u in users]
    return sorted(rows, key=lambda r: -r.open_conflicts)

"""Conflicts: a losing payload is kept on the server until its owner resolves it.

A mutation whose base_version is stale is never applied and never dropped: its payload goes
into the ``sync_conflict`` table, retrievable by its owner from any device. It is resolved by
an upsert or delete of the same record, applied on top of the current version, either from the
same device (which was told about the conflict) or naming the conflict in ``resolves``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain.errors import Stale
from kexpwa.domain.kinds import Context, Kind
from kexpwa.models.sync import Conflict
from sync.envelope import Mutation
from sync.ports import Result

MAX_LISTED = 500


def kept(
    ctx: Context,
    kind: Kind,
    mutation: Mutation,
    client_id: uuid.UUID,
    stale: Stale,
    snapshot: Callable[[Kind, Any], dict[str, Any]],
) -> tuple[Conflict, Result]:
    """The conflict row for a losing change (not saved yet) and its answer."""
    conflict = Conflict(
        id=uuid.uuid4(),
        mutation_id=mutation.mutation_id,
        user_id=ctx.actor.id,
        kind=mutation.kind,
        record_id=mutation.record_id,
        base_version=mutation.base_version,
        server_version=stale.current_version,
        payload={
            "data": mutation.data,
            "client_time": mutation.client_time,
            "client_id": str(client_id),
        },
    )
    result = {
        "status": "conflict",
        "code": "conflict",
        "message": stale.message,
        "conflict_id": str(conflict.id),
        "record_id": str(mutation.record_id),
        "current": snapshot(kind, stale.current),
    }
    return conflict, result


async def keep(
    ctx: Context,
    kind: Kind,
    mutation: Mutation,
    client_id: uuid.UUID,
    stale: Stale,
    snapshot: Callable[[Kind, Any], dict[str, Any]],
    conn: BaseDBAsyncClient,
) -> Result:
    conflict, result = kept(ctx, kind, mutation, client_id, stale, snapshot)
    await conflict.save(using_db=conn, force_create=True)
    return result


async def open_records(user_id: uuid.UUID) -> set[uuid.UUID]:
    """Records on which the user has open conflicts (a push looks only at these)."""
    query = Conflict.filter(user_id=user_id, resolved_at__isnull=True)
    return {uuid.UUID(str(rid)) for rid in await query.values_list("record_id", flat=True)}


async def resolve(
    ctx: Context, mutation: Mutation, client_id: uuid.UUID, conn: BaseDBAsyncClient
) -> None:
    """Mark resolved the actor's open conflicts on the record that ``mutation`` (just applied
    on top of the current version) answers."""
    open_ = await Conflict.filter(
        user_id=ctx.actor.id, record_id=mutation.record_id, resolved_at__isnull=True
    ).using_db(conn)
    base = mutation.base_version or 0
    done = [
        c.id
        for c in open_
        if c.id in mutation.resolves
        or (c.payload.get("client_id") == str(client_id) and c.server_version <= base)
    ]
    if done:
        await Conflict.filter(id__in=done).using_db(conn).update(resolved_at=datetime.now(UTC))


def as_wire(conflict: Conflict) -> dict[str, Any]:
    return {
        "conflict_id": str(conflict.id),
        "mutation_id": str(conflict.mutation_id),
        "kind": conflict.kind,
        "record_id": str(conflict.record_id),
        "base_version": conflict.base_version,
        "server_version": conflict.server_version,
        "data": conflict.payload.get("data"),
        "client_time": conflict.payload.get("client_time"),
        "created_at": conflict.created_at.isoformat(),
        "resolved_at": conflict.resolved_at.isoformat() if conflict.resolved_at else None,
    }


async def listed(user_id: uuid.UUID, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    """The user's conflicts, newest first: only their own, ever."""
    query = Conflict.filter(user_id=user_id)
    if not include_resolved:
        query = query.filter(resolved_at__isnull=True)
    return [as_wire(c) for c in await query.order_by("-created_at").limit(MAX_LISTED)]

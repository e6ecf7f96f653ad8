"""Applying a push: each mutation exactly once, in seq order per device.

Every mutation runs in a unit (one database transaction) that locks the device's row, looks the
mutation up in the log, checks its seq, applies it and logs it. The lock serialises pushes from
one device however many app processes receive them; the log's primary key on mutation_id is the
database's own guarantee behind that, and a concurrent replay that trips it is answered
``duplicate`` with the first result. A mutation that is rejected or conflicts still takes its
seq, so it never blocks the ones after it.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from sync import errors, versions
from sync.envelope import Limits, Mutation
from sync.errors import SyncError
from sync.ports import AlreadyRecorded, ClientMismatch, Result, Store, Stored, Transient

ATTEMPTS = 6
PAYLOAD_ACTIONS = ("upsert", "share")


def rejected(code: str, message: str | None = None, **extra: Any) -> Result:
    result: Result = {
        "status": "rejected",
        "code": code,
        "message": message or errors.message(code),
    }
    result.update(extra)
    return result


def out_of_order(mutation: Mutation, code: str, expected: int) -> Result:
    return {
        "mutation_id": str(mutation.mutation_id),
        "status": "out_of_order",
        "code": code,
        "message": errors.message(code),
        "expected_seq": expected,
    }


def duplicate(mutation: Mutation, stored: Stored) -> Result:
    original = dict(stored.result)
    status = original.pop("status")
    original.pop("mutation_id", None)
    return {
        "mutation_id": str(mutation.mutation_id),
        "status": "duplicate",
        "original_status": status,
        **original,
    }


def screen(mutation: Mutation, kinds: frozenset[str]) -> Result | None:
    """Problems found without the database; the mutation is then rejected (and logged)."""
    if mutation.problem is not None:  # found while parsing: text that cannot be stored
        return rejected(mutation.problem)
    if mutation.kind not in kinds:
        return rejected("unknown_kind", errors.message("unknown_kind", kind=mutation.kind[:64]))
    if mutation.action in PAYLOAD_ACTIONS and mutation.data is None:
        return rejected("missing_data", errors.message("missing_data", action=mutation.action))
    return None


async def _attempt(store: Store, client_id: uuid.UUID, mutation: Mutation) -> Result:
    async with store.unit(client_id) as unit:
        stored = await unit.stored(mutation.mutation_id)
        if stored is not None:
            # A replay takes its seq if that seq is next (e.g. after a client renumbered).
            if mutation.seq == unit.last_seq + 1:
                await unit.advance(mutation.seq)
            if not stored.mine or not stored.same_change(mutation):
                return {"mutation_id": str(mutation.mutation_id), **rejected("mutation_id_taken")}
            return duplicate(mutation, stored)
        if mutation.seq <= unit.last_seq:
            return out_of_order(mutation, "seq_reused", unit.last_seq + 1)
        if mutation.seq > unit.last_seq + 1:
            return out_of_order(mutation, "seq_gap", unit.last_seq + 1)
        # Advance first: the change itself takes the authority's change counter lock, and the
        # less the unit does after that, the sooner other writers get it.
        await unit.advance(mutation.seq)
        result = screen(mutation, store.kinds) or await unit.apply(mutation)
        result = {"mutation_id": str(mutation.mutation_id), **result}
        await unit.record(mutation, result)
        return result


async def apply_once(store: Store, client_id: uuid.UUID, mutation: Mutation) -> Result:
    """Apply one mutation exactly once and return its result for the wire."""
    for attempt in range(ATTEMPTS):
        try:
            return await _attempt(store, client_id, mutation)
        except AlreadyRecorded:
            stored = await store.stored(mutation.mutation_id)
            if stored is not None and stored.mine and stored.same_change(mutation):
                return duplicate(mutation, stored)
        except Transient:
            pass
        await asyncio.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise SyncError("unavailable")


async def push(store: Store, body: bytes, limits: Limits) -> dict[str, Any]:
    """Handle a push body. Returns the 200 response; raises SyncError for request errors."""
    envelope = versions.parse(body, limits)
    try:
        await store.register(envelope.client_id)
    except ClientMismatch:
        raise SyncError("client_mismatch") from None
    results: list[Result] = []
    blocked_at: int | None = None
    for mutation in envelope.mutations:
        if blocked_at is not None:
            results.append(out_of_order(mutation, "not_attempted", blocked_at))
            continue
        result = await apply_once(store, envelope.client_id, mutation)
        if result["status"] == "out_of_order":
            blocked_at = result["expected_seq"]
        results.append(result)
    last_seq = await store.last_seq(envelope.client_id)
    return {"results": results, "last_seq": last_seq}

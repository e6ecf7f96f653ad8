"""Applying a push: each mutation exactly once, in seq order per device.

A push is applied in chunks of up to :data:`CHUNK` mutations, each in one unit (one database
transaction, one commit) that locks the device's row, looks every mutation of the chunk up in
the log at once, checks the seqs in order, and applies and logs the chunk's new mutations
together (the store decides each one in order, then writes them set-based). The lock
serialises pushes from one device however many app processes receive them; the log's primary
key on mutation_id is the database's own guarantee behind that. If a chunk's unit fails (a
concurrent replay tripped that key, a record id created by a concurrent push, a deadlock), it
is rolled back whole and the chunk is applied again one mutation per unit, where a replay that
trips the key is answered ``duplicate`` with the first result. A mutation that is rejected or
conflicts still takes its seq, so it never blocks the ones after it.
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
CHUNK = 100  # mutations per unit (one commit); measured in bench/README.md ("sync")
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


async def _attempt_chunk(store: Store, client_id: uuid.UUID, chunk: list[Mutation]) -> list[Result]:
    """The chunk in one unit: its results, up to and including the first out_of_order."""
    async with store.unit(client_id) as unit:
        # A chunk that goes on exactly from the device's last seq (as every push but a resend
        # does) is not looked up in the log: a resend under a new seq (the device renumbered its
        # queue) trips the log's primary key instead, the unit fails whole, and the chunk goes
        # one mutation per unit, which looks each one up (apply_chunk). Any other chunk is
        # looked up whole, as a resend's answer depends on it.
        first = unit.last_seq + 1
        fresh = all(m.seq == first + n for n, m in enumerate(chunk))
        ids = [m.mutation_id for m in chunk]
        stored = {} if fresh else await unit.stored_many(ids)
        last = unit.last_seq
        slots: list[Result | None] = []
        todo: list[tuple[Mutation, Result | None]] = []
        for mutation in chunk:
            known = stored.get(mutation.mutation_id)
            if known is not None:  # as in _attempt: a replay takes its seq if that is next
                last = mutation.seq if mutation.seq == last + 1 else last
                if not known.mine or not known.same_change(mutation):
                    taken = rejected("mutation_id_taken")
                    slots.append({"mutation_id": str(mutation.mutation_id), **taken})
                else:
                    slots.append(duplicate(mutation, known))
                continue
            if mutation.seq <= last:
                slots.append(out_of_order(mutation, "seq_reused", last + 1))
                break
            if mutation.seq > last + 1:
                slots.append(out_of_order(mutation, "seq_gap", last + 1))
                break
            last = mutation.seq
            slots.append(None)
            todo.append((mutation, screen(mutation, store.kinds)))
        if last != unit.last_seq:
            await unit.advance(last)  # first, as in _attempt: the counter is taken last
        applied = iter(await unit.apply_all(todo) if todo else [])
        return [slot if slot is not None else next(applied) for slot in slots]


async def apply_chunk(store: Store, client_id: uuid.UUID, chunk: list[Mutation]) -> list[Result]:
    """Apply a chunk exactly once, in one unit if it can, else one mutation per unit. Returns
    its results up to and including the first out_of_order."""
    try:
        return await _attempt_chunk(store, client_id, chunk)
    except (AlreadyRecorded, Transient):
        pass  # rolled back whole: nothing of the chunk was kept
    results: list[Result] = []
    for mutation in chunk:
        results.append(await apply_once(store, client_id, mutation))
        if results[-1]["status"] == "out_of_order":
            break
    return results


async def push(store: Store, body: bytes, limits: Limits) -> dict[str, Any]:
    """Handle a push body. Returns the 200 response; raises SyncError for request errors."""
    envelope = versions.parse(body, limits)
    try:
        await store.register(envelope.client_id)
    except ClientMismatch:
        raise SyncError("client_mismatch") from None
    results: list[Result] = []
    mutations = envelope.mutations
    for start in range(0, len(mutations), CHUNK):
        chunk = list(mutations[start : start + CHUNK])
        results += await apply_chunk(store, envelope.client_id, chunk)
        if results[-1]["status"] == "out_of_order":
            blocked_at = results[-1]["expected_seq"]
            rest = mutations[len(results) :]
            results += [out_of_order(m, "not_attempted", blocked_at) for m in rest]
            break
    last_seq = await store.last_seq(envelope.client_id)
    return {"results": results, "last_seq": last_seq}

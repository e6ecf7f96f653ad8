"""schema_version 1: the push shape pinned by ``tests/fixtures/sync_v1/``.

Strict: every key is known, every id is a UUID, seq is a positive whole number increasing
through the push. Anything else is a 400 for the whole push, because a mutation without a
usable id or seq cannot even be acknowledged. Problems *inside* a well-formed mutation (an
unknown kind, bad field values) are answered per mutation instead, so they never block a queue.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sync import wire
from sync.envelope import MAX_SEQ, MAX_VERSION, Limits, Mutation, Push, malformed

ENVELOPE_KEYS = frozenset({"client_id", "schema_version", "mutations"})
MUTATION_KEYS = frozenset(
    {
        "mutation_id",
        "seq",
        "kind",
        "record_id",
        "base_version",
        "base_mutation_id",
        "data",
        "client_time",
        "resolves",
    }
)
REQUIRED = ("mutation_id", "seq", "kind", "record_id")
MAX_KIND = 64
MAX_RESOLVES = 20


def _uuid(value: object, path: str) -> uuid.UUID:
    # ASCII only: uuid.UUID() reads full-width and other Unicode digits as hex digits, and the
    # answer would then name an id the device never sent.
    if not isinstance(value, str) or len(value) > 64 or not value.isascii():
        raise malformed(path, "must be a UUID string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise malformed(path, "must be a UUID string") from None


def _optional_uuid(value: object, path: str) -> uuid.UUID | None:
    return None if value is None else _uuid(value, path)


def _whole(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise malformed(path, f"must be a whole number from {low} to {high}")
    return value


def _unknown_keys(item: dict[str, Any], allowed: frozenset[str], path: str) -> None:
    extra = sorted(set(item) - allowed)
    if extra:
        # repr: the key is echoed back, and must survive JSON encoding whatever it holds.
        raise malformed(f"{path}[{extra[0][:40]!r}]", "is not a key of schema_version 1")


def _client_time(value: object, path: str) -> str | None:
    if value is None:
        return None
    # ASCII and printable: fromisoformat takes any character between date and time (NUL and
    # lone surrogates too), and the time is kept with a conflict, where those cannot be stored.
    if (
        not isinstance(value, str)
        or len(value) > 40
        or not (value.isascii() and value.isprintable())
    ):
        raise malformed(path, "must be an ISO 8601 date-time string")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise malformed(path, "must be an ISO 8601 date-time string") from None
    return value


def _mutation(item: object, path: str) -> Mutation:
    if not isinstance(item, dict):
        raise malformed(path, "must be an object")
    _unknown_keys(item, MUTATION_KEYS, path)
    for key in REQUIRED:
        if key not in item:
            raise malformed(f"{path}.{key}", "is required")
    kind = item["kind"]
    if not isinstance(kind, str) or not kind or len(kind) > MAX_KIND:
        raise malformed(f"{path}.kind", f"must be a string of 1 to {MAX_KIND} characters")
    base = item.get("base_version")
    if base is not None:
        base = _whole(base, f"{path}.base_version", 0, MAX_VERSION)
    data = item.get("data")
    if data is not None and not isinstance(data, dict):
        raise malformed(f"{path}.data", "must be an object or null")
    resolves = item.get("resolves")
    resolves = [] if resolves is None else resolves
    if not isinstance(resolves, list) or len(resolves) > MAX_RESOLVES:
        raise malformed(f"{path}.resolves", f"must be a list of at most {MAX_RESOLVES} UUIDs")
    # Every other string is a UUID, an ISO date-time or nothing, each checked above or below;
    # the kind and the data are kept as sent (the log, a conflict), so they are screened here.
    problem = None if wire.storable(kind) and wire.storable(data) else "unstorable_text"
    if not wire.storable(kind):
        kind = ascii(kind)[1:-1]  # a stand-in the log can hold, the same for every replay
    return Mutation(
        mutation_id=_uuid(item["mutation_id"], f"{path}.mutation_id"),
        seq=_whole(item["seq"], f"{path}.seq", 1, MAX_SEQ),
        kind=kind,
        record_id=_uuid(item["record_id"], f"{path}.record_id"),
        base_version=base,
        data=data,
        client_time=_client_time(item.get("client_time"), f"{path}.client_time"),
        resolves=tuple(_uuid(r, f"{path}.resolves[{i}]") for i, r in enumerate(resolves)),
        base_mutation_id=_optional_uuid(item.get("base_mutation_id"), f"{path}.base_mutation_id"),
        problem=problem,
    )


def parse(document: dict[str, Any], limits: Limits) -> Push:
    _unknown_keys(document, ENVELOPE_KEYS, "body")
    if "client_id" not in document:
        raise malformed("client_id", "is required")
    client_id = _uuid(document["client_id"], "client_id")
    items = document.get("mutations")
    if not isinstance(items, list):
        raise malformed("mutations", "must be a list")
    mutations = tuple(_mutation(item, f"mutations[{i}]") for i, item in enumerate(items))
    seen: set[uuid.UUID] = set()
    previous = 0
    for index, mutation in enumerate(mutations):
        if mutation.mutation_id in seen:
            raise malformed(f"mutations[{index}].mutation_id", "appears twice in this push")
        seen.add(mutation.mutation_id)
        if mutation.seq <= previous:
            raise malformed(f"mutations[{index}].seq", "must be greater than the one before it")
        previous = mutation.seq
    return Push(client_id=client_id, schema_version=1, mutations=mutations)

"""The push envelope as the engine sees it, whatever schema_version it came in
(see :mod:`sync.versions`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sync.errors import SyncError

MAX_SEQ = 2**53 - 1  # the largest integer every JSON parser (JavaScript's too) keeps exact
MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class Limits:
    max_mutations: int
    max_bytes: int


@dataclass(frozen=True)
class Mutation:
    mutation_id: uuid.UUID
    seq: int
    kind: str  # "<type>.<action>", e.g. "note.upsert"; unknown kinds are rejected per mutation
    record_id: uuid.UUID
    base_version: int | None  # None or 0: a create (upsert) or "no check" (share, restore)
    data: dict[str, Any] | None
    client_time: str | None = None
    resolves: tuple[uuid.UUID, ...] = ()
    # This device's own earlier mutation whose (predicted) result base_version is: a chain of
    # offline edits. The store checks the chain held (see PROTOCOL.md, "Offline edits").
    base_mutation_id: uuid.UUID | None = None
    # A mutation code found while parsing (``unstorable_text``): the mutation is rejected with
    # it and never applied. Its ``kind`` is then a storable stand-in for what was sent.
    problem: str | None = None

    @property
    def type(self) -> str:
        return self.kind.partition(".")[0]

    @property
    def action(self) -> str:
        return self.kind.partition(".")[2]


@dataclass(frozen=True)
class Push:
    client_id: uuid.UUID
    schema_version: int
    mutations: tuple[Mutation, ...]


def malformed(path: str, detail: str) -> SyncError:
    return SyncError("invalid_envelope", detail=f"{path} {detail}", path=path)

"""What the engine needs from a database, as protocols. ``kexpwa.syncing`` implements them with
Tortoise; the engine itself knows nothing about tables, ORMs or HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from sync.envelope import Mutation

Result = dict[str, Any]  # one mutation's result, as sent on the wire


class AlreadyRecorded(Exception):
    """The mutation log's unique key on mutation_id fired: a concurrent replay committed the
    same mutation first. The store has rolled the whole unit back."""


class Transient(Exception):
    """A deadlock, a serialisation failure or a busy database: the unit was rolled back and
    may be retried as it is."""


class ClientMismatch(Exception):
    """The client_id is registered to another user."""


@dataclass(frozen=True)
class Stored:
    """A mutation already in the log, with the result it was answered with the first time."""

    result: Result
    mine: bool  # recorded for the user who is asking
    kind: str
    record_id: uuid.UUID

    def same_change(self, mutation: Mutation) -> bool:
        """A replay names the same record and kind; anything else reuses an id by mistake."""
        return self.record_id == mutation.record_id and self.kind == mutation.kind[:32]


class Unit(Protocol):
    """One open database transaction with the device's row locked. Everything a unit does
    commits together when the block ends normally, and nothing does if it raises."""

    @property
    def last_seq(self) -> int: ...

    async def stored(self, mutation_id: uuid.UUID) -> Stored | None: ...

    async def apply(self, mutation: Mutation) -> Result:
        """Apply the change; answer ``applied``, ``conflict`` (the losing payload kept) or
        ``rejected``. Never raises for anything the mutation contains."""
        ...

    async def record(self, mutation: Mutation, result: Result) -> None:
        """Add the mutation to the log. Raises AlreadyRecorded if the key is taken."""
        ...

    async def advance(self, seq: int) -> None: ...

    async def stored_many(self, mutation_ids: list[uuid.UUID]) -> dict[uuid.UUID, Stored]:
        """Those of the mutations already in the log, in one look-up."""
        ...

    async def apply_all(self, todo: list[tuple[Mutation, Result | None]]) -> list[Result]:
        """Apply, in order, each mutation that has no result yet (one screened out carries its
        ``rejected`` result), and log every one with its result, all in this unit. Returns
        the results for the wire (``mutation_id`` first). Raises AlreadyRecorded or Transient
        with nothing kept, like the single-mutation methods."""
        ...


class UnitContext(Protocol):
    async def __aenter__(self) -> Unit: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...


class Store(Protocol):
    kinds: frozenset[str]  # every "<type>.<action>" the store can apply

    async def register(self, client_id: uuid.UUID) -> int:
        """Make sure the device is known and is this user's; returns its last seq.
        Raises ClientMismatch."""
        ...

    def unit(self, client_id: uuid.UUID) -> UnitContext: ...

    async def stored(self, mutation_id: uuid.UUID) -> Stored | None: ...

    async def last_seq(self, client_id: uuid.UUID) -> int: ...


@dataclass(frozen=True)
class Marks:
    high: int  # every change numbered up to here is committed and visible
    purged_through: int  # tombstones numbered up to here may have been purged


@dataclass(frozen=True)
class Page:
    changes: list[dict[str, Any]]
    last: int  # the change number of the last row looked at (visible or not)
    has_more: bool


class Feed(Protocol):
    async def scope(self) -> str:
        """A fingerprint of what this reader may see; a change of it restarts the device."""
        ...

    async def marks(self) -> Marks: ...

    async def page(self, after: int, upto: int, limit: int) -> Page:
        """Changes numbered in (after, upto] that the reader may see, in change order, from
        at most ``limit`` rows."""
        ...

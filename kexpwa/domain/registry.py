"""The record kinds, listed once. Adding a kind: its model, a migration, one domain module that
builds its :class:`~kexpwa.domain.kinds.Kind`, one line here, and its templates.

``KINDS`` are the kinds their owners write (forms, lists, sync pushes); ``CHILD_KINDS`` the
kinds whose records belong to another record (:class:`~kexpwa.domain.kinds.Parent`: feedback),
written only by their own domain function and carried to devices by pulls, read-only."""

from __future__ import annotations

from kexpwa.domain import feedback_kind, journal, notes, participation, projects, timelog
from kexpwa.domain.errors import Invalid
from kexpwa.domain.kinds import Kind

KINDS: tuple[Kind, ...] = (
    notes.KIND,
    journal.KIND,
    timelog.KIND,
    projects.KIND,
    participation.KIND,
)
CHILD_KINDS: tuple[Kind, ...] = (feedback_kind.KIND,)
_BY_NAME = {kind.name: kind for kind in (*KINDS, *CHILD_KINDS)}


def get(name: str) -> Kind | None:
    """The kind with this wire name, or None."""
    return _BY_NAME.get(name)


def kind_of(name: str) -> Kind:
    """The kind with this wire name; an unknown name is invalid input (never a 500)."""
    kind = _BY_NAME.get(name)
    if kind is None:
        raise Invalid(f"Unknown record type {name[:40]!r}.")
    return kind


def all_kinds() -> tuple[Kind, ...]:
    """The kinds their owners write: forms, lists, pushes, tallies, identifier checks."""
    return KINDS


def child_kinds() -> tuple[Kind, ...]:
    """The kinds whose records belong to another record (feedback)."""
    return CHILD_KINDS


def synced_kinds() -> tuple[Kind, ...]:
    """Every kind a pull carries: the owners' kinds and, read-only, the child kinds."""
    return (*KINDS, *CHILD_KINDS)


def children_of(kind_name: str) -> tuple[Kind, ...]:
    """The child kinds whose records may belong to a record of ``kind_name``."""
    return tuple(k for k in CHILD_KINDS if k.parent is not None and kind_name in k.parent.kinds)


def purge_order() -> tuple[Kind, ...]:
    """Every kind after the kinds whose records point at it, so one purge can remove a note
    and then the project it held back. References to the same kind are left to later runs.
    A kind with one record per person (research participation) is never deleted: not listed."""
    ordered: list[Kind] = []
    remaining = [kind for kind in KINDS if kind.single is None]
    while remaining:
        ready = [
            kind
            for kind in remaining
            if not any(
                ref.target is kind.model
                for other in remaining
                if other is not kind
                for ref in other.references
            )
        ]
        if not ready:  # a circle of references between kinds: keep the declared order
            ready = remaining[:1]
        ordered.extend(ready)
        remaining = [kind for kind in remaining if kind not in ready]
    return tuple(ordered)

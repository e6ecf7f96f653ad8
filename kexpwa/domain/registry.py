"""The record kinds, listed once. Adding a kind: its model, a migration, one domain module that
builds its :class:`~kexpwa.domain.kinds.Kind`, one line here, and its templates."""

from __future__ import annotations

from kexpwa.domain import journal, notes, projects, timelog
from kexpwa.domain.errors import Invalid
from kexpwa.domain.kinds import Kind

KINDS: tuple[Kind, ...] = (notes.KIND, journal.KIND, timelog.KIND, projects.KIND)
_BY_NAME = {kind.name: kind for kind in KINDS}


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
    return KINDS


def purge_order() -> tuple[Kind, ...]:
    """Every kind after the kinds whose records point at it, so one purge can remove a note
    and then the project it held back. References to the same kind are left to later runs."""
    ordered: list[Kind] = []
    remaining = list(KINDS)
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

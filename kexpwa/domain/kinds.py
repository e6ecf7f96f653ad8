"""The record kinds a practitioner writes, and what every kind provides to the change and
query functions: which fields it accepts, how to validate them and how to serialise a record.

``data`` (forms and sync alike) uses the same field names; see each kind's module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model

from kexpwa.models.account import User
from kexpwa.settings import Settings


@dataclass(frozen=True)
class Context:
    """Who is making a change, and the deployment's configurable lists."""

    actor: User
    activities: tuple[str, ...]
    cpl_tags: tuple[str, ...]
    undo_days: int

    @classmethod
    def of(cls, actor: User, settings: Settings) -> Context:
        return cls(actor, settings.activities, settings.cpl_tags, settings.undo_days)


Validator = Callable[[Mapping[str, Any], Any, Context], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Kind:
    name: str  # wire name: "note", "journal", "time", "project"
    label: str  # for people: "fieldwork note"
    model: type[Model]
    fields: frozenset[str]  # accepted ``data`` fields
    validate: Validator  # -> model attribute values; raises Invalid
    serialize: Callable[[Any], dict[str, Any]]
    share_fields: Mapping[str, str]  # data field -> audience ("lead" / "research")


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind | None:
    _load()
    return _KINDS.get(name)


def all_kinds() -> tuple[Kind, ...]:
    _load()
    return tuple(_KINDS.values())


def _load() -> None:
    # Always import them all: importing one kind's module (say notes, for a constant) must
    # not hide the others. After the first call this is a dictionary lookup per module.
    from kexpwa.domain import journal, notes, projects, timelog  # noqa: F401 (registers)

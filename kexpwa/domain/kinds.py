"""What a record kind is: one description per kind, read by everything that handles records.

Each kind's module (notes, journal, timelog, projects) builds its :class:`Kind`; the list of
kinds is :mod:`kexpwa.domain.registry`. The change path, list queries, the visibility rule,
the tombstone purge, the forms, the sync engine and the offline client's config all read these
facts instead of keeping tables of their own keyed by kind name.

``data`` (forms and sync alike) uses the same field names; see each kind's module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.models.account import User
from kexpwa.models.records import Record
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


class Rule(Enum):
    """How a reader other than the owner (a team lead, the research fellow) reads a kind."""

    SHARED = "shared"  # record by record: those the owner shared with that audience
    ALWAYS = "always"  # every live record (withheld fields only when their flag is ticked)
    NEVER = "never"
    # Research only: every live record of the people whose research participation says yes
    # (kexpwa.domain.participation), read at export time.
    CONSENTED = "consented"


@dataclass(frozen=True)
class Reference:
    """A field of a kind that points at another record (of the same owner)."""

    field: str  # the model attribute holding the id: "project_id"
    target: type[Record]  # the model pointed at
    missing: str  # the field's message when it names none of the actor's records
    live_only: bool = True  # whether it must point at a record that is not deleted


@dataclass(frozen=True)
class Form:
    """The fields an HTML form of this kind posts (see kexpwa.views.forms). Forms say less than
    JSON can: an unticked checkbox is absent, a list is repeated fields, and a mapping arrives
    as ``<name>.<key>`` fields."""

    text: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # checkboxes: ticked means True, absent means False
    lists: tuple[str, ...] = ()  # repeated fields (checkbox groups)
    maps: tuple[str, ...] = ()  # ``sections.incident`` -> data["sections"]["incident"]


@dataclass(frozen=True)
class Parent:
    """A kind whose records belong to another record (feedback on a note or journal entry).

    Such a record is read by whoever may read its parent now, through the parent kind's own
    rule (its owner; a team lead while the owner shares it), never by its author as such: a
    lead's comment leaves the lead's view when the owner withdraws sharing. Its author writes
    it once (no edits, no deletes: it is not written through sync); the change path stamps
    the children again when a parent's sharing or deletion changes, so a pull hears of it."""

    kinds: tuple[str, ...]  # the parent kinds' wire names: ("note", "journal")
    kind_field: str = "parent_kind"  # model attribute: the parent's kind name
    id_field: str = "parent_id"  # model attribute: the parent's id
    owner_field: str = "parent_owner_id"  # model attribute: the parent's owner


Validator = Callable[[Mapping[str, Any], Any, Context], Awaitable[dict[str, Any]]]
# After a record is saved and before its change number is taken: (record, its values before
# the change or None when new, the transaction). Runs inside the change's transaction.
AfterChange = Callable[[Any, Mapping[str, Any] | None, BaseDBAsyncClient], Awaitable[None]]
# What a live record adds to its owner's weekly tallies (kexpwa.domain.tally): (bucket, the
# record's date, minutes) for each bucket it counts in.
Tally = Callable[[Any], tuple[tuple[str, date, int], ...]]


@dataclass(frozen=True)
class Kind:
    name: str  # wire name: "note", "journal", "time", "project"
    label: str  # for people: "fieldwork note"
    model: type[Record]
    fields: frozenset[str]  # accepted ``data`` fields
    validate: Validator  # -> model attribute values; raises Invalid
    serialize: Callable[[Any], dict[str, Any]]
    form: Form
    search: tuple[str, ...]  # model fields a list search looks in
    order: tuple[str, ...]  # a list's order, newest first
    list_route: str  # route name of the owner's list page ("notes")
    list_title: str  # that page's title, for links to it ("Fieldwork notes")
    warm_routes: tuple[str, ...]  # route names the offline client keeps ready ("note_new")
    # Data fields naming a record for people; the first non-empty one labels a pending item.
    client_label: tuple[str, ...]
    share_fields: Mapping[str, str] = field(default_factory=dict)  # field -> "lead"/"research"
    lead: Rule = Rule.NEVER  # what a team lead reads of their members' records
    # Data fields a lead reads only when the owner ticks the flag: {"note": "share_note_lead"}.
    lead_withheld: Mapping[str, str] = field(default_factory=dict)
    research: Rule = Rule.NEVER  # what the research fellow reads (SHARED, CONSENTED, NEVER)
    filters: tuple[str, ...] = ()  # list filters offered: "project", "tag"
    references: tuple[Reference, ...] = ()
    # Free-text fields scanned for identifiers (kexpwa.domain.flags) on every change, and on
    # the phone before it saves; a mapping field (the journal's sections) is scanned key by key.
    scanned: tuple[str, ...] = ()
    after_change: AfterChange | None = None
    tally: Tally | None = None
    parent: Parent | None = None  # set for a kind whose records belong to another record
    # For a kind with one record per person (research participation): the owner's id -> that
    # record's id. The change path refuses any other id for it, and refuses to delete it.
    single: Callable[[UUID], UUID] | None = None

    def share_field(self, audience: str) -> str | None:
        """The yes/no field by which the owner shares a record with ``audience``, if any."""
        return next((f for f, a in self.share_fields.items() if a == audience), None)

"""Identifier flags on records: the server's side of issue 15's warnings.

The one change path (kexpwa.domain.changes.upsert) calls :func:`plan` and :func:`write` for
every change of a kind with ``scanned`` fields. A change is never refused for identifiers (no
loss): its text is kept and its findings become flags. A ``save_anyway`` value sent with the
change (a form field, or a field of a sync mutation's data) resolves them with its reason.

While a record has unresolved flags it can't be shared with a team lead or the research
dataset (:func:`gate`): a form is answered 422 with the draft kept; a sync upsert that brings new
text keeps its text and holds sharing off (``sharing_held`` in its result); a sync change that
only turns sharing on is refused with ``identifiers_unresolved``.

A flag holds the field, the detector and the position, never the matched text.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain import registry
from kexpwa.domain.errors import IdentifiersUnresolved, Invalid
from kexpwa.domain.identifiers import LABELS, Finding, scan
from kexpwa.domain.identifiers import NAMES_NOTE as NAMES_NOTE  # shown with the panel
from kexpwa.domain.kinds import Kind
from kexpwa.models.flags import IdentifierFlag
from kexpwa.models.records import Record

SAVE_ANYWAY = "save_anyway"
# What a "Save anyway" may say, as sent -> as stored. "yes" gives no reason.
REASONS = {
    "yes": "confirmed",
    "not_identifier": "not_identifier",
    "about_me": "about_me",
    "other": "other",
}
# The choices offered with "Save anyway", in the order shown (the phone's list is the same).
CHOICES = (
    ("not_identifier", "Not a real identifier"),
    ("about_me", "About me, not a family"),
    ("other", "Other"),
    ("yes", "No reason given"),
)
FIELD_LABELS = {"title": "Title", "body": "Note", "note": "Note", "question": "Question"}
GATE_MESSAGE = (
    "This entry may hold an identifier of a child or family. Edit it, or save it with "
    "\u201cSave anyway\u201d, before you share it."
)


def reason(raw: object) -> str | None:
    """The stored reason of a ``save_anyway`` value, or None when none was sent. Anything but
    the listed values is refused (a 4xx, nothing changed)."""
    if raw is None or raw == "" or raw is False:
        return None
    if raw is True:
        return "confirmed"
    if isinstance(raw, str) and raw in REASONS:
        return REASONS[raw]
    raise Invalid(
        "\u201cSave anyway\u201d was sent with a reason this server does not know.",
        {SAVE_ANYWAY: "Choose one of the reasons offered, or none."},
    )


def texts(kind: Kind, value_of: Callable[[str], Any]) -> dict[str, str]:
    """``{field key: text}`` of the kind's scanned fields; a mapping field (the journal's
    sections) gives one key per entry, ``sections.<key>``, as the form names it."""
    out: dict[str, str] = {}
    for name in kind.scanned:
        value = value_of(name)
        if isinstance(value, Mapping):
            for key, text in value.items():
                if isinstance(text, str) and text:
                    out[f"{name}.{key}"] = text
        elif isinstance(value, str) and value:
            out[name] = value
    return out


@dataclass
class Plan:
    """What a change does to its record's flags, decided before the record is written."""

    texts_changed: bool
    found: list[tuple[str, Finding]] = field(default_factory=list)
    reason: str | None = None
    unresolved: bool = False  # the record will have unresolved flags after this change


async def plan(
    kind: Kind,
    record_id: uuid.UUID,
    before: Mapping[str, str],
    after: Mapping[str, str],
    why: str | None,
    conn: BaseDBAsyncClient,
) -> Plan:
    """Scan the new texts if they changed; otherwise the record keeps its flags, resolved now
    if ``why`` says so."""
    if dict(before) != dict(after):
        found = [(key, f) for key, text in sorted(after.items()) for f in scan(text)]
        return Plan(True, found, why, bool(found) and why is None)
    if why is not None:
        return Plan(False, [], why, False)
    open_flags = IdentifierFlag.filter(record_kind=kind.name, record_id=record_id, resolved=None)
    return Plan(False, [], None, await open_flags.using_db(conn).exists())


def gate(
    kind: Kind, values: dict[str, Any], current: Record | None, p: Plan, hold: bool
) -> list[str]:
    """Sharing while flags stay unresolved. Returns the share fields held off (set False in
    ``values``) when ``hold`` and the change brings new text; raises
    :class:`IdentifiersUnresolved` when a share would be on otherwise."""
    if not p.unresolved:
        return []
    on = [
        f
        for f in kind.share_fields
        if values.get(f, getattr(current, f, False) if current is not None else False)
    ]
    if not on:
        return []
    if hold and p.texts_changed:
        for f in on:
            values[f] = False
        return on
    raise IdentifiersUnresolved(GATE_MESSAGE, {f: GATE_MESSAGE for f in on})


async def write(kind: Kind, record: Record, p: Plan, conn: BaseDBAsyncClient) -> None:
    """Store the plan: new flags when the text changed (replacing the old ones), or the
    record's open flags resolved with the change's reason."""
    mine = IdentifierFlag.filter(record_kind=kind.name, record_id=record.id).using_db(conn)
    if p.texts_changed:
        await mine.delete()
        if p.found:
            await IdentifierFlag.bulk_create(rows(kind, record, p), using_db=conn)
    elif p.reason is not None:
        await mine.filter(resolved=None).update(resolved=p.reason)


def rows(kind: Kind, record: Record, p: Plan) -> list[IdentifierFlag]:
    """The flag rows a plan whose texts changed gives the record (not saved)."""
    return [
        IdentifierFlag(
            owner_id=record.owner_id,
            record_kind=kind.name,
            record_id=record.id,
            field=key,
            detector=f.detector,
            start=f.start,
            end=f.end,
            checked=f.checked,
            strong=f.strong,
            resolved=p.reason,
        )
        for key, f in p.found
    ]


# --- what the owner sees


@dataclass(frozen=True)
class Shown:
    """A flag as the owner's panel shows it: what it looks like and where, never the text."""

    label: str
    field: str
    start: int
    end: int
    strong: bool
    resolved: str | None


def field_label(key: str) -> str:
    if key.startswith("sections."):
        return (
            "the \u201c"
            + key.removeprefix("sections.").replace("_", " ").capitalize()
            + "\u201d section"
        )
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def _label(flag: IdentifierFlag) -> str:
    if flag.detector == "chi":
        return LABELS["chi_mod11"] if flag.checked else LABELS["chi"]
    if flag.detector == "postcode" and flag.strong:
        return LABELS["postcode_local"]
    return LABELS.get(flag.detector, flag.detector)


def preview(kind: Kind, values: Mapping[str, Any]) -> list[Shown]:
    """The findings in values not saved yet, shown like flags (unresolved)."""
    found = [(key, f) for key, text in sorted(texts(kind, values.get).items()) for f in scan(text)]
    return [Shown(f.label, field_label(key), f.start, f.end, f.strong, None) for key, f in found]


async def of_record(owner_id: uuid.UUID, kind_name: str, record_id: uuid.UUID) -> list[Shown]:
    """The owner's flags on one of their records, in field and text order."""
    rows = await IdentifierFlag.filter(
        owner_id=owner_id, record_kind=kind_name, record_id=record_id
    ).order_by("field", "start")
    return [
        Shown(_label(r), field_label(r.field), r.start, r.end, r.strong, r.resolved) for r in rows
    ]


async def flagged(owner_id: uuid.UUID, kind_name: str, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these records of the owner have unresolved flags (a list's badges)."""
    wanted = list(ids)
    if not wanted:
        return set()
    rows = await IdentifierFlag.filter(
        owner_id=owner_id, record_kind=kind_name, record_id__in=wanted, resolved=None
    ).values_list("record_id", flat=True)
    return {uuid.UUID(str(r)) for r in rows}


async def to_check(owner_id: uuid.UUID) -> list[tuple[Kind, Record]]:
    """The owner's live records with unresolved flags, every kind ("Needs attention")."""
    out: list[tuple[Kind, Record]] = []
    for kind in registry.all_kinds():
        if not kind.scanned:
            continue
        ids = await IdentifierFlag.filter(
            owner_id=owner_id, record_kind=kind.name, resolved=None
        ).values_list("record_id", flat=True)
        if not ids:
            continue
        records = await kind.model.filter(
            id__in=list(set(ids)), owner_id=owner_id, deleted_at=None
        ).order_by(*kind.order)
        out.extend((kind, r) for r in records)
    return out

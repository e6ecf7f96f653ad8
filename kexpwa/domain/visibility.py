"""Who may read which record: the one rule, used by sync pulls, the team-lead pages and the
research export. Each kind declares its rules (:class:`~kexpwa.domain.kinds.Rule`) for a team
lead and for the research fellow; this module applies them.

- Everyone reads their own records, deleted ones included (a deleted record is a tombstone).
- A team lead also reads, read-only, what members of the teams they lead shared with them: a
  kind whose lead rule is SHARED record by record (notes and journal entries marked
  ``share_lead``); a kind whose rule is ALWAYS every record (time: its duration, activity and
  own-time flag always count in team totals; its note text only if ``share_note_lead``).
- A record that was shared and no longer is reaches the lead as a tombstone, so a device that
  holds a copy drops it. Records never shared with the lead are never mentioned at all.
- The research fellow reads, across authorities, only the records whose research rule is SHARED
  and whose owner ticked ``share_research`` (notes and journal entries), and, for kinds whose
  research rule is CONSENTED (time, projects), the live records of the people whose research
  participation says yes now (:mod:`kexpwa.domain.participation`).
- Nobody reads anyone else's projects.
- A record of a child kind (feedback, :class:`~kexpwa.domain.kinds.Parent`) is read by whoever
  may read its parent now, by the parent kind's rule, and by nobody else: not by its author as
  such (a lead's comment leaves the lead's view when sharing is withdrawn), never by research.

:func:`candidates` is "ever shared" (what a sync pull must mention, tombstones included);
:func:`readable` is "shared now" (what a list or an export may show).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q, Subquery

from kexpwa.domain import participation, registry
from kexpwa.domain.kinds import Kind, Rule
from kexpwa.models.account import Role, Team, User
from kexpwa.models.records import Record, SharingChange


@dataclass(frozen=True)
class Reader:
    """Someone reading records, with the members of the teams they lead (id -> name)."""

    user_id: uuid.UUID
    role: Role
    members: Mapping[uuid.UUID, str]

    @property
    def scope(self) -> str:
        """Changes whenever what this reader may see changes for reasons other than a record
        changing (a role change, a member joining or leaving a team they lead)."""
        text = "|".join([str(self.user_id), self.role.value, *sorted(map(str, self.members))])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def research_reader(user_id: uuid.UUID) -> Reader:
    """The research fellow: a directory account, bound to no authority and owning nothing
    there. It reads only what each kind's research rule allows (see :func:`readable`)."""
    return Reader(user_id, Role.RESEARCH, {})


async def reader_for(user_id: uuid.UUID, role: Role) -> Reader:
    """The reader for a user of the bound authority."""
    members: dict[uuid.UUID, str] = {}
    if role == Role.TEAM_LEAD:
        teams = await Team.filter(leads__id=user_id).values_list("id", flat=True)
        if teams:
            rows = await (
                User.filter(team_id__in=list(teams))
                .exclude(id=user_id)
                .values_list("id", "display_name")
            )
            members = {uid: name for uid, name in rows}
    return Reader(user_id, role, members)


def _rule(reader: Reader, kind: Kind) -> tuple[Rule, str]:
    """The rule that lets ``reader`` read other people's records of ``kind``, and its
    audience (a share field's audience: "lead" or "research")."""
    if reader.role == Role.RESEARCH:
        return kind.research, "research"
    if reader.members:
        return kind.lead, "lead"
    return Rule.NEVER, "lead"


def _others(reader: Reader) -> Q:
    # The research fellow reads every practitioner's consented rows in the bound authority.
    return Q() if reader.role == Role.RESEARCH else Q(owner_id__in=list(reader.members))


def _own(reader: Reader) -> Q:
    # A research account never owns rows in an authority; matching its id finds nothing.
    return Q(owner_id=reader.user_id)


def _consented(reader: Reader) -> Q:
    # Only the research fellow has CONSENTED rules; the choice is read now, in SQL.
    if reader.role != Role.RESEARCH:
        return _nothing()
    return Q(owner_id__in=Subquery(participation.consenting()))


def _nothing() -> Q:
    return Q(id__in=[])


def _thread(reader: Reader, kind: Kind, *, ever: bool) -> Q:
    """Records of a child kind whose parent the reader may read now (or, ``ever``, could
    read before: a pull then sends the rest as tombstones)."""
    parent = kind.parent
    assert parent is not None
    if reader.role == Role.RESEARCH and kind.research == Rule.NEVER:
        return _nothing()
    owners = [reader.user_id, *reader.members]
    found: Q | None = None
    for name in parent.kinds:
        parent_kind = registry.get(name)
        if parent_kind is None:
            continue
        rows = candidates(reader, parent_kind) if ever else readable(reader, parent_kind)
        ids = parent_kind.model.filter(rows).values("id")
        where: dict[str, Any] = {
            parent.kind_field: name,
            f"{parent.id_field}__in": Subquery(ids),
            f"{parent.owner_field}__in": owners,
        }
        found = Q(**where) if found is None else found | Q(**where)
    return found if found is not None else _nothing()


def candidates(reader: Reader, kind: Kind) -> Q:
    """Records of a kind that this reader may read now or could read before: the rows
    :func:`view` is asked about. Never includes a record never shared with the reader."""
    if kind.parent is not None:
        return _thread(reader, kind, ever=True)
    rule, audience = _rule(reader, kind)
    if rule == Rule.ALWAYS:
        return _own(reader) | _others(reader)
    if rule == Rule.CONSENTED:
        return _own(reader) | _consented(reader)
    if rule == Rule.SHARED:
        ever = SharingChange.filter(kind=kind.name, audience=audience).values("record_id")
        return _own(reader) | (_others(reader) & Q(id__in=Subquery(ever)))
    return _own(reader)


def readable(reader: Reader, kind: Kind) -> Q:
    """Live records of a kind that this reader may read at present: their own, and other
    people's that the kind's rule for this reader allows (shared now, not deleted). For lists
    and exports; a pull needs :func:`candidates` to hear of withdrawn ones too."""
    if kind.parent is not None:
        return _thread(reader, kind, ever=False) & Q(deleted_at__isnull=True)
    rule, audience = _rule(reader, kind)
    visible = _own(reader)
    if rule == Rule.ALWAYS:
        visible |= _others(reader)
    elif rule == Rule.CONSENTED:
        visible |= _consented(reader)
    elif rule == Rule.SHARED:
        field = kind.share_field(audience)
        assert field is not None, f"{kind.name} has no share field for {audience}"
        shared: dict[str, Any] = {field: True}
        visible |= _others(reader) & Q(**shared)
    return visible & Q(deleted_at__isnull=True)


def lead_kinds() -> tuple[Kind, ...]:
    """The kinds a team lead reads entry by entry, when shared with them (notes, journal)."""
    return tuple(kind for kind in registry.all_kinds() if kind.lead == Rule.SHARED)


def shared_with_lead(reader: Reader, kind: Kind, owners: Any = None) -> Q:
    """The live entries of ``kind`` that members of the reader's teams share with them now
    (``owners``: only these members). Never the reader's own, never a private entry, never
    anyone outside the teams they lead: with no members (or a kind not shared entry by
    entry), nothing at all."""
    field = kind.share_field("lead")
    members = [m for m in reader.members if owners is None or m in owners]
    if reader.role != Role.TEAM_LEAD or kind.lead != Rule.SHARED or not field or not members:
        return Q(id__in=[])
    shared: dict[str, Any] = {field: True}
    return Q(owner_id__in=members, deleted_at__isnull=True, **shared)


def own_shared_with_lead(owner_id: uuid.UUID, kind: Kind) -> Q:
    """What a practitioner's lead may read of ``kind`` of theirs: for "What my team lead can
    see", the same condition as :func:`shared_with_lead` seen from the owner's side."""
    field = kind.share_field("lead")
    if kind.lead != Rule.SHARED or not field:
        return Q(id__in=[])
    shared: dict[str, Any] = {field: True}
    return Q(owner_id=owner_id, deleted_at__isnull=True, **shared)


def counted_by_lead(reader: Reader) -> list[uuid.UUID]:
    """Whose entries count in a lead's totals: every member of the teams they lead. Counts
    include private entries, as numbers only (never their content): "What my team lead can
    see" says so."""
    return list(reader.members) if reader.role == Role.TEAM_LEAD else []


async def leads_of(practitioner: User) -> list[str]:
    """The names of the team leads who read this practitioner's shared entries."""
    if practitioner.team_id is None:
        return []
    rows = await User.filter(
        led_teams__id=practitioner.team_id, role=Role.TEAM_LEAD, is_active=True
    ).values_list("display_name", flat=True)
    return sorted(str(name) for name in rows)


@dataclass(frozen=True)
class View:
    """What a reader gets of one record: its data, or a tombstone (``data`` None)."""

    read_only: bool
    data: dict[str, Any] | None
    owner_name: str | None = None

    @property
    def deleted(self) -> bool:
        return self.data is None


async def readable_ids(reader: Reader, kind: Kind, ids: list[Any]) -> set[str]:
    """Which of these records of ``kind`` the reader may read now (as strings)."""
    if not ids:
        return set()
    rows = await kind.model.filter(readable(reader, kind), id__in=ids).values_list("id", flat=True)
    return {str(value) for value in rows}


def view(reader: Reader, kind: Kind, record: Record, *, readable_now: bool = False) -> View | None:
    """What ``reader`` may read of ``record`` (a row from :func:`candidates`): its data, a
    tombstone (deleted, or no longer shared with them), or None (nothing at all).

    For a child kind the caller says whether the record is :func:`readable` now (its parent
    is); a child record is always read-only, its author's name in ``owner_name``."""
    if kind.parent is not None:
        if not readable_now:
            return View(True, None, None)
        return View(True, kind.serialize(record), str(getattr(record, "author_name", "")))
    if record.owner_id == reader.user_id:
        return View(False, None if record.deleted_at else kind.serialize(record))
    rule, audience = _rule(reader, kind)
    if reader.role == Role.RESEARCH:
        name = None  # the research fellow never learns who wrote a record
    else:
        name = reader.members.get(record.owner_id)
        if name is None:
            return None
    if rule == Rule.NEVER:
        return None
    field = kind.share_field(audience) if rule == Rule.SHARED else None
    if record.deleted_at or (field is not None and not getattr(record, field)):
        return View(True, None, name)
    data = kind.serialize(record)
    if audience == "lead":
        for withheld, flag in kind.lead_withheld.items():
            if not getattr(record, flag):
                data[withheld] = ""
    for share, other in kind.share_fields.items():
        if other != audience:
            data.pop(share, None)  # consent given to one audience is not another's business
    return View(True, data, name)

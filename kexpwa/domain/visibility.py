"""Who may read which record: the one rule, used by sync pulls and the team-lead pages.

- Everyone reads their own records, deleted ones included (a deleted record is a tombstone).
- A team lead also reads, read-only, what members of the teams they lead shared with them:
  notes and journal entries marked ``share_lead``, and every time entry (its duration, activity
  and own-time flag always count in team totals; its note text only if ``share_note_lead``).
- A record that was shared and no longer is reaches the lead as a tombstone, so a device that
  holds a copy drops it. Records never shared with the lead are never mentioned at all.
- Nobody reads anyone else's projects.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q, Subquery

from kexpwa.domain.kinds import Kind
from kexpwa.models.account import Role, Team, User
from kexpwa.models.records import SharingChange

LEAD_SHARED = ("note", "journal")  # shared one by one with share_lead
LEAD_ALWAYS = ("time",)  # always visible to the lead, note text only if share_note_lead
HIDDEN_FROM_LEAD = ("share_research",)  # a member's research consent is not the lead's business


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


def candidates(reader: Reader, kind_name: str) -> Q:
    """Records of a kind that this reader may read now or could read before: the rows
    :func:`view` is asked about. Never includes a record never shared with the reader."""
    own = Q(owner_id=reader.user_id)
    members = list(reader.members)
    if not members:
        return own
    if kind_name in LEAD_ALWAYS:
        return own | Q(owner_id__in=members)
    if kind_name in LEAD_SHARED:
        ever_shared = SharingChange.filter(kind=kind_name, audience="lead").values("record_id")
        return own | Q(owner_id__in=members, id__in=Subquery(ever_shared))
    return own


@dataclass(frozen=True)
class View:
    """What a reader gets of one record: its data, or a tombstone (``data`` None)."""

    read_only: bool
    data: dict[str, Any] | None
    owner_name: str | None = None

    @property
    def deleted(self) -> bool:
        return self.data is None


def view(reader: Reader, kind: Kind, record: Any) -> View | None:
    """What ``reader`` may read of ``record`` (a row from :func:`candidates`): its data, a
    tombstone (deleted, or no longer shared with them), or None (nothing at all)."""
    if record.owner_id == reader.user_id:
        return View(False, None if record.deleted_at else kind.serialize(record))
    name = reader.members.get(record.owner_id)
    if name is None:
        return None
    if kind.name in LEAD_ALWAYS:
        if record.deleted_at:
            return View(True, None, name)
        data = kind.serialize(record)
        if not record.share_note_lead:
            data["note"] = ""
        return View(True, data, name)
    if kind.name in LEAD_SHARED:
        if record.deleted_at or not record.share_lead:
            return View(True, None, name)
        data = kind.serialize(record)
        for field in HIDDEN_FROM_LEAD:
            data.pop(field, None)
        return View(True, data, name)
    return None

"""A team for the team-lead tests: Lee leads Leith (Pat and Sam); Zed is in Portobello; Ola
works in East Lothian in a team also called Leith. Records are made through the change path."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from kexpwa import tenancy
from kexpwa.domain import changes
from kexpwa.domain.kinds import Context
from kexpwa.models.account import Role
from kexpwa.models.audit import AuditEvent
from tests.capture_helpers import SETTINGS, domain_data
from tests.support import Made, UserFactory


@dataclass
class Team:
    lee: Made
    pat: Made
    sam: Made
    zed: Made
    ola: Made


async def team(users: UserFactory) -> Team:
    return Team(
        lee=await users("edinburgh", "lee", Role.TEAM_LEAD, team="Leith"),
        pat=await users("edinburgh", "pat", team="Leith"),
        sam=await users("edinburgh", "sam", team="Leith"),
        zed=await users("edinburgh", "zed", team="Portobello"),
        ola=await users("east-lothian", "ola", team="Leith"),
    )


async def make(who: Made, kind: str, **extra: Any) -> Any:
    """A record of ``who``'s, through the one change path."""
    with tenancy.bound(who.authority):
        applied = await changes.upsert(
            Context.of(who.user, SETTINGS), kind, uuid.uuid4(), domain_data(kind, **extra), None
        )
    return applied.record


async def edit(who: Made, kind: str, record: Any, **fields: Any) -> Any:
    with tenancy.bound(who.authority):
        applied = await changes.upsert(
            Context.of(who.user, SETTINGS), kind, record.id, fields, record.version
        )
    return applied.record


async def delete(who: Made, kind: str, record: Any) -> Any:
    with tenancy.bound(who.authority):
        applied = await changes.delete(
            Context.of(who.user, SETTINGS), kind, record.id, record.version
        )
    return applied.record


async def audit_actions(authority: str = "edinburgh") -> list[tuple[str, str, str]]:
    with tenancy.bound(authority):
        rows = await AuditEvent.filter(action__startswith="team.").order_by("id")
    return [(r.action, r.target_kind, r.target_id) for r in rows]

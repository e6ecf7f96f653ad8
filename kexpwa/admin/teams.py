"""Teams of one authority: create, rename, choose their leads (one or more). Members move
with :func:`kexpwa.admin.people.move`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from kexpwa import audit, tenancy
from kexpwa.admin.rules import Actor, AdminError, NotFound
from kexpwa.models.account import Role, Team, User


@dataclass(frozen=True)
class TeamRow:
    id: uuid.UUID
    name: str
    leads: tuple[tuple[uuid.UUID, str], ...]
    members: int


def clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise AdminError("Team names need 1 to 120 characters.")
    return clean


async def team(team_id: uuid.UUID | str) -> Team:
    try:
        key = uuid.UUID(str(team_id))
    except ValueError:
        raise NotFound("No such team in this council.") from None
    found = await Team.get_or_none(id=key)
    if found is None:
        raise NotFound("No such team in this council.")
    return found


async def team_named(name: str) -> Team:
    found = await Team.get_or_none(name=" ".join(name.split()))
    if found is None:
        raise NotFound(f"No team called {name.strip()[:120]!r} in this council.")
    return found


async def listed() -> list[TeamRow]:
    teams = await Team.all().order_by("name").prefetch_related("leads", "members")
    return [
        TeamRow(
            t.id,
            t.name,
            tuple((u.id, u.display_name) for u in sorted(t.leads, key=lambda u: u.username)),
            sum(1 for m in t.members if m.is_active),
        )
        for t in teams
    ]


async def possible_leads() -> list[User]:
    """Active team leads, who may lead any team."""
    return list(await User.filter(role=Role.TEAM_LEAD, is_active=True).order_by("username"))


async def create(actor: Actor, name: str) -> Team:
    clean = clean_name(name)
    if await Team.exists(name=clean):
        raise AdminError(f"A team called {clean!r} already exists.")
    created = await Team.create(name=clean)
    await audit.record(
        "team.created",
        target_kind="team",
        target_id=created.id,
        name=clean,
        actor_id=actor.id,
        actor_role=actor.role,
    )
    return created


async def rename(actor: Actor, team_id: uuid.UUID | str, name: str) -> Team:
    found = await team(team_id)
    clean = clean_name(name)
    if clean == found.name:
        return found
    if await Team.filter(name=clean).exclude(id=found.id).exists():
        raise AdminError(f"A team called {clean!r} already exists.")
    old, found.name = found.name, clean
    await found.save(update_fields=["name", "updated_at"])
    await audit.record(
        "team.renamed",
        target_kind="team",
        target_id=found.id,
        old=old,
        new=clean,
        actor_id=actor.id,
        actor_role=actor.role,
    )
    return found


async def set_leads(actor: Actor, team_id: uuid.UUID | str, lead_ids: list[str]) -> Team:
    """Make exactly these team leads lead the team (an empty list leaves it without a lead)."""
    found = await team(team_id)
    wanted: list[User] = []
    for raw in lead_ids:
        try:
            key = uuid.UUID(str(raw))
        except ValueError:
            raise AdminError("Choose leads from the list.") from None
        user = await User.get_or_none(id=key, role=Role.TEAM_LEAD, is_active=True)
        if user is None:
            raise AdminError("Only active team leads of this council can lead a team.")
        wanted.append(user)
    async with in_transaction(tenancy.alias(tenancy.current())):
        conn = tenancy.connection()
        await found.leads.clear(using_db=conn)
        if wanted:
            await found.leads.add(*wanted, using_db=conn)
    await audit.record(
        "team.leads_changed",
        target_kind="team",
        target_id=found.id,
        leads=sorted(u.username for u in wanted),
        actor_id=actor.id,
        actor_role=actor.role,
    )
    return found

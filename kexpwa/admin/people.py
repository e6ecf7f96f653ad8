"""People of one authority: list and search, add, role, team, activation, temporary
passwords and "sign out everywhere". Every change leaves an audit row naming the actor."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from kexpwa import accounts, audit, tenancy
from kexpwa.admin.rules import Actor, AdminError, keep_an_admin, not_raising_self, person
from kexpwa.auth import sessions
from kexpwa.auth.passwords import hash_async
from kexpwa.domain.queries import Page
from kexpwa.domain.text import without_bad
from kexpwa.models.account import AUTHORITY_ROLES, Role, Team, User, UserSession

PAGE_SIZE = 25
ROLE_LABELS = {
    Role.PRACTITIONER: "Practitioner",
    Role.TEAM_LEAD: "Team lead",
    Role.ADMIN: "Admin",
}
# Words only (no look-alike characters), so a temporary password can be read out over a phone.
_WORDS = (
    "amber birch cedar delta ember fable grove harbour island juniper kestrel lantern meadow "
    "north orchard pebble quarry river summit thistle upland valley willow yarrow"
).split()


@dataclass(frozen=True)
class PersonRow:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    team: str
    leads: tuple[str, ...]
    is_active: bool
    last_seen: datetime | None


def parse_role(value: str) -> Role:
    try:
        role = Role(value.strip())
    except ValueError:
        role = None
    if role not in AUTHORITY_ROLES:
        raise AdminError("Choose a role: practitioner, team_lead or admin.")
    return role


def temporary_password() -> str:
    """Four words and a number: easy to pass on once, to be changed at the next sign-in."""
    words = [secrets.choice(_WORDS) for _ in range(4)]
    return "-".join(words) + f"-{secrets.randbelow(90) + 10}"


async def find(q: str = "", page: int = 1) -> Page:
    """People whose username or name contains ``q``, by username, a page at a time."""
    query = User.all()
    words = without_bad(q).strip()[:100]
    if words:
        query = query.filter(Q(username__icontains=words) | Q(display_name__icontains=words))
    total = await query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    users = await (
        query.order_by("username")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .prefetch_related("team", "led_teams")
    )
    seen = dict(
        await UserSession.filter(user_id__in=[u.id for u in users])
        .group_by("user_id")
        .annotate(last=Max("last_seen_at"))
        .values_list("user_id", "last")
    )
    rows = [row(u, seen.get(u.id)) for u in users]
    return Page(rows, total, page, pages)


def row(user: User, last_seen: datetime | None = None) -> PersonRow:
    return PersonRow(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.team.name if user.team else "",
        tuple(t.name for t in user.led_teams),
        user.is_active,
        last_seen,
    )


async def add(
    actor: Actor, *, username: str, display_name: str, role: str, team: str
) -> tuple[User, str]:
    """Add a person with a temporary password (returned, to show once; it must be changed at
    the first sign-in)."""
    password = temporary_password()
    user = await accounts.add_user(
        username=username,
        password=password,
        role=parse_role(role),
        team=team.strip() or None,
        display_name=display_name.strip() or None,
        actor=actor.role,
        actor_id=actor.id,
        must_change_password=True,
    )
    return user, password


async def set_role(actor: Actor, user_id: uuid.UUID | str, role: str) -> User:
    user = await person(user_id)
    new = parse_role(role)
    if new == user.role:
        return user
    not_raising_self(actor, user, new)
    await keep_an_admin(user, losing=new != Role.ADMIN)
    async with in_transaction(tenancy.alias(tenancy.current())):
        # A lead who stops leading leaves their teams; a new lead leads the team they were in.
        conn = tenancy.connection()
        if user.role == Role.TEAM_LEAD:
            await user.led_teams.clear(using_db=conn)
        if new == Role.TEAM_LEAD and user.team is not None:
            await user.led_teams.add(user.team, using_db=conn)
        await accounts.set_role(user, new, actor_id=actor.id, actor_role=actor.role)
    return user


async def move(actor: Actor, user_id: uuid.UUID | str, team_name: str) -> User:
    """Put a person in a team (created if missing), or in none (empty name)."""
    user = await person(user_id)
    team = await accounts.team_named(team_name) if team_name.strip() else None
    old = user.team.name if user.team else ""
    user.team = team
    await user.save(update_fields=["team_id", "updated_at"])
    await audit.record(
        "user.moved",
        target_kind="user",
        target_id=user.id,
        old=old,
        new=team.name if team else "",
        actor_id=actor.id,
        actor_role=actor.role,
    )
    return user


async def set_active(actor: Actor, user_id: uuid.UUID | str, active: bool) -> User:
    """Deactivate (every session ends, devices are told ``revoked``) or reactivate."""
    user = await person(user_id)
    if active == user.is_active:
        return user
    if not active:
        if actor.id == user.id:
            raise AdminError("You cannot deactivate yourself.")
        await keep_an_admin(user, losing=True)
    await accounts.set_active(user, active, actor_id=actor.id, actor_role=actor.role)
    return user


async def reset_password(actor: Actor, user_id: uuid.UUID | str) -> tuple[User, str]:
    """Set a temporary password (returned once, never stored in clear or logged), to be
    changed at the next sign-in. Open sessions end; devices keep their entries."""
    user = await person(user_id)
    password = temporary_password()
    user.password_hash = await hash_async(password)
    user.must_change_password = True
    user.session_version += 1
    await user.save(
        update_fields=["password_hash", "must_change_password", "session_version", "updated_at"]
    )
    await sessions.end_all(user, sessions.Reason.RESET)
    await audit.record(
        "user.password_reset",
        target_kind="user",
        target_id=user.id,
        actor_id=actor.id,
        actor_role=actor.role,
    )
    return user, password


async def sign_out_everywhere(actor: Actor, user_id: uuid.UUID | str) -> User:
    user = await person(user_id)
    await accounts.sign_out_everywhere(user, actor_id=actor.id, actor_role=actor.role)
    return user


async def teams() -> list[Team]:
    return list(await Team.all().order_by("name"))

"""Who is acting, and the rules every admin action keeps: one authority (the bound one),
never removing its last active admin, never raising one's own role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kexpwa.models.account import Role, User

CLI = "cli"  # the actor role of a command run on the server
RANK = {Role.PRACTITIONER: 0, Role.TEAM_LEAD: 1, Role.ADMIN: 2}


class AdminError(ValueError):
    """An admin action was refused; the message says why, for a person to read."""


class NotFound(AdminError):
    """No such person, team or device in this authority."""


@dataclass(frozen=True)
class Actor:
    """Who does an admin action: a signed-in admin (``id`` set) or a command (``id`` None)."""

    id: uuid.UUID | None
    role: str = CLI

    @classmethod
    def cli(cls) -> Actor:
        return cls(None, CLI)


async def person(user_id: uuid.UUID | str) -> User:
    """A person of the bound authority (another authority's id is simply not found)."""
    try:
        key = uuid.UUID(str(user_id))
    except ValueError:
        raise NotFound("No such person in this council.") from None
    user = await User.get_or_none(id=key).prefetch_related("team", "led_teams")
    if user is None:
        raise NotFound("No such person in this council.")
    return user


async def person_named(username: str) -> User:
    user = await User.get_or_none(username=username.strip().lower()).prefetch_related(
        "team", "led_teams"
    )
    if user is None:
        raise NotFound(f"No person called {username.strip()[:64]!r} in this council.")
    return user


async def keep_an_admin(user: User, *, losing: bool) -> None:
    """Refuse when ``user`` is the authority's last active admin and is about to stop being
    one (``losing``)."""
    if not losing or user.role != Role.ADMIN or not user.is_active:
        return
    others = await User.filter(role=Role.ADMIN, is_active=True).exclude(id=user.id).count()
    if others == 0:
        raise AdminError(f"{user.username} is this council's last admin; add another admin first.")


def not_raising_self(actor: Actor, user: User, role: Role) -> None:
    if actor.id is not None and actor.id == user.id and RANK[role] > RANK[user.role]:
        raise AdminError("You cannot raise your own role.")

"""Creating and managing accounts: council users and teams, and research accounts.

Plain functions used by the CLI, the demo seed and (later) the admin pages. Authority
functions need an authority bound; research functions touch only the directory.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from kexpwa import audit, tenancy
from kexpwa.auth import sessions
from kexpwa.auth.passwords import hash_async
from kexpwa.auth.signin import USERNAME_RE
from kexpwa.models.account import AUTHORITY_ROLES, Role, Team, User
from kexpwa.models.directory import ResearchAccount


class AccountError(ValueError):
    """An account could not be created or changed; the message says why."""


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise AccountError(
            "Usernames are 2 to 64 characters: lowercase letters, digits, dots, dashes or "
            "underscores, starting with a letter or digit."
        )
    return name


async def team_named(name: str) -> Team:
    """The team with this name, created if it does not exist."""
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise AccountError("Team names need 1 to 120 characters.")
    team, _ = await Team.get_or_create(name=clean)
    return team


async def add_user(
    *,
    username: str,
    password: str,
    role: Role | str,
    team: str | None = None,
    display_name: str | None = None,
    actor: str = "cli",
) -> User:
    """Create a council user in the bound authority. ``team`` is the practitioner's team, or
    the team a lead leads (created if missing)."""
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in AUTHORITY_ROLES)
        raise AccountError(f"Role must be one of {choices}.") from None
    if role not in AUTHORITY_ROLES:
        raise AccountError("Research accounts are created with --research, not in an authority.")
    name = normalise_username(username)
    password_hash = await hash_async(password)
    async with in_transaction(tenancy.alias(tenancy.current())):
        if await User.exists(username=name):
            raise AccountError(f"A user called {name!r} already exists in this authority.")
        team_obj = await team_named(team) if team else None
        user = await User.create(
            username=name,
            display_name=(display_name or name).strip()[:120],
            password_hash=password_hash,
            role=role,
            team=team_obj if role == Role.PRACTITIONER else None,
        )
        if role == Role.TEAM_LEAD and team_obj is not None:
            # M2M writes bypass the router in Tortoise; name the connection explicitly.
            await user.led_teams.add(team_obj, using_db=tenancy.connection())
        await audit.record(
            "user.created", target_kind="user", target_id=user.id, role=role.value, by=actor
        )
    return user


async def add_research_account(
    *, username: str, password: str, display_name: str | None = None
) -> ResearchAccount:
    """Create a cross-authority research account in the directory database."""
    name = normalise_username(username)
    password_hash = await hash_async(password)
    if await ResearchAccount.exists(username=name):
        raise AccountError(f"A research account called {name!r} already exists.")
    account = await ResearchAccount.create(
        username=name,
        display_name=(display_name or name).strip()[:120],
        password_hash=password_hash,
    )
    await audit.record_directory("research_account.created", actor_id=None, target=str(account.id))
    return account


async def sign_out_everywhere(user: User) -> None:
    """End every session of ``user`` on the server: each device's next request is answered
    401 ``revoked`` (the device wipes what it holds) and must sign in again."""
    user.session_version += 1
    await user.save(update_fields=["session_version", "updated_at"])
    await sessions.end_all(user, sessions.Reason.EVERYWHERE)
    await audit.record("user.signed_out_everywhere", actor_id=user.id, actor_role=user.role)


async def set_active(user: User, active: bool, *, actor_id: object = None) -> None:
    """Activate or deactivate; deactivation also ends every session (401 ``revoked``)."""
    user.is_active = active
    if not active:
        user.session_version += 1
    await user.save(update_fields=["is_active", "session_version", "updated_at"])
    if not active:
        await sessions.end_all(user, sessions.Reason.DEACTIVATED)
    await audit.record(
        "user.activated" if active else "user.deactivated", target_kind="user", target_id=user.id
    )


async def set_role(user: User, role: Role, *, actor_id: object = None) -> None:
    """Change a user's role (audited). Sessions end so the person signs in again under the new
    role; their devices keep their unsynced entries (401, not ``revoked``)."""
    old = user.role
    user.role = role
    user.session_version += 1
    await user.save(update_fields=["role", "session_version", "updated_at"])
    await sessions.end_all(user, sessions.Reason.ROLE_CHANGED)
    await audit.record(
        "user.role_changed", target_kind="user", target_id=user.id, old=old.value, new=role.value
    )

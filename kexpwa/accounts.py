"""Creating and managing accounts: council users and teams, and research accounts.

Plain functions used by the CLI, the demo seed and (later) the admin pages. Authority
functions need an authority bound; research functions touch only the directory.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from kexpwa import audit, tenancy
from kexpwa.auth import sessions
from kexpwa.auth.passwords import hash_async, verify_async
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


def clean_team_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise AccountError("Team names need 1 to 120 characters.")
    return clean


async def team_named(name: str) -> Team:
    """The team with this name, created if it does not exist."""
    team, _ = await Team.get_or_create(name=clean_team_name(name))
    return team


async def add_user(
    *,
    username: str,
    password: str,
    role: Role | str,
    team: str | None = None,
    display_name: str | None = None,
    actor: str = "cli",
    actor_id: uuid.UUID | None = None,
    must_change_password: bool = False,
) -> User:
    """Create a council user in the bound authority. ``team`` is the practitioner's team, or
    the team a lead leads (created if missing). ``must_change_password`` marks a temporary
    password, to be changed at the first sign-in."""
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
            must_change_password=must_change_password,
        )
        if role == Role.TEAM_LEAD and team_obj is not None:
            # M2M writes bypass the router in Tortoise; name the connection explicitly.
            await user.led_teams.add(team_obj, using_db=tenancy.connection())
        await audit.record(
            "user.created",
            actor_id=actor_id,
            actor_role=actor,
            target_kind="user",
            target_id=user.id,
            role=role.value,
        )
    return user


async def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """A person changes their own password (also how a temporary one is replaced). Raises
    AccountError or PasswordPolicyError with a message for the person."""
    if not await verify_async(user.password_hash, current):
        raise AccountError("Your current password is not right.")
    if new != confirm:
        raise AccountError("The two new passwords are not the same.")
    if new == current:
        raise AccountError("Choose a new password, not the one you have now.")
    user.password_hash = await hash_async(new)
    user.must_change_password = False
    await user.save(update_fields=["password_hash", "must_change_password", "updated_at"])
    await audit.record(
        "user.password_changed",
        actor_id=user.id,
        actor_role=user.role,
        target_kind="user",
        target_id=user.id,
    )


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


async def set_research_active(username: str, active: bool) -> ResearchAccount:
    """Deactivate (every session ends, 401 ``revoked``) or reactivate a research account.
    Only the CLI does this: no admin page reaches the directory."""
    account = await ResearchAccount.get_or_none(username=username.strip().lower())
    if account is None:
        raise AccountError(f"No research account called {username.strip()[:64]!r}.")
    if account.is_active != active:
        account.is_active = active
        if not active:
            account.session_version += 1
        await account.save(update_fields=["is_active", "session_version", "updated_at"])
        if not active:
            await sessions.end_all(account, sessions.Reason.DEACTIVATED)
        action = "research_account.activated" if active else "research_account.deactivated"
        await audit.record_directory(action, actor_id=None, target=str(account.id))
    return account


async def sign_out_everywhere(
    user: User, *, actor_id: uuid.UUID | None = None, actor_role: str = ""
) -> None:
    """End every session of ``user`` on the server: each device's next request is answered
    401 ``revoked`` (the device wipes what it holds) and must sign in again. The actor is the
    user themself unless another is named (an admin, or ``cli``)."""
    user.session_version += 1
    await user.save(update_fields=["session_version", "updated_at"])
    await sessions.end_all(user, sessions.Reason.EVERYWHERE)
    await audit.record(
        "user.signed_out_everywhere",
        actor_id=actor_id if actor_role else user.id,
        actor_role=actor_role or user.role,
        target_kind="user",
        target_id=user.id,
    )


async def set_active(
    user: User, active: bool, *, actor_id: uuid.UUID | None = None, actor_role: str = ""
) -> None:
    """Activate or deactivate; deactivation also ends every session (401 ``revoked``)."""
    user.is_active = active
    if not active:
        user.session_version += 1
    await user.save(update_fields=["is_active", "session_version", "updated_at"])
    if not active:
        await sessions.end_all(user, sessions.Reason.DEACTIVATED)
    await audit.record(
        "user.activated" if active else "user.deactivated",
        actor_id=actor_id,
        actor_role=actor_role,
        target_kind="user",
        target_id=user.id,
    )


async def set_role(
    user: User, role: Role, *, actor_id: uuid.UUID | None = None, actor_role: str = ""
) -> None:
    """Change a user's role (audited). Sessions end so the person signs in again under the new
    role; their devices keep their unsynced entries (401, not ``revoked``)."""
    old = user.role
    user.role = role
    user.session_version += 1
    await user.save(update_fields=["role", "session_version", "updated_at"])
    await sessions.end_all(user, sessions.Reason.ROLE_CHANGED)
    await audit.record(
        "user.role_changed",
        actor_id=actor_id,
        actor_role=actor_role,
        target_kind="user",
        target_id=user.id,
        old=old.value,
        new=role.value,
    )

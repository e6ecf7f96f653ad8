"""The admin commands (issue 13): the admin pages' actions for scripted onboarding, each on
one authority as the ``cli`` actor. Registered on ``kexpwa user``, ``kexpwa team`` and
``kexpwa device`` by :mod:`kexpwa.cli`."""

from __future__ import annotations

from typing import Any

import click

from kexpwa.cli_support import config, in_authority, run, settings, with_databases
from kexpwa.models.account import AUTHORITY_ROLES

AUTHORITY = click.option("--authority", required=True, help="Council slug.")
USERNAME = click.option("--username", required=True)


@click.command("set-role")
@AUTHORITY
@USERNAME
@click.option("--role", required=True, type=click.Choice([r.value for r in AUTHORITY_ROLES]))
def user_set_role(authority: str, username: str, role: str) -> None:
    """Change a council user's role (they sign in again; devices keep their entries)."""
    from kexpwa.admin import people, rules

    async def work() -> None:
        user = await rules.person_named(username)
        await people.set_role(rules.Actor.cli(), user.id, role)

    in_authority(authority, work)
    click.echo(f"{username} is now {role} in {authority}.")


@click.command("move")
@AUTHORITY
@USERNAME
@click.option("--team", required=True, help="The team (created if missing); empty for none.")
def user_move(authority: str, username: str, team: str) -> None:
    """Put a council user in a team."""
    from kexpwa.admin import people, rules

    async def work() -> None:
        user = await rules.person_named(username)
        await people.move(rules.Actor.cli(), user.id, team)

    in_authority(authority, work)
    click.echo(f"{username} moved to {team or 'no team'} in {authority}.")


def _set_active(authority: str | None, research: bool, username: str, active: bool) -> None:
    from kexpwa import accounts
    from kexpwa.admin import people, rules

    if research:
        if authority:
            raise click.UsageError("--research takes no --authority.")
        cfg = config(settings())
        run(lambda: with_databases(cfg, lambda: accounts.set_research_active(username, active)))
        click.echo(f"Research account {username} {'reactivated' if active else 'deactivated'}.")
        return
    if not authority:
        raise click.UsageError("give --authority, or --research.")

    async def work() -> None:
        user = await rules.person_named(username)
        await people.set_active(rules.Actor.cli(), user.id, active)

    in_authority(authority, work)
    click.echo(f"{username} {'reactivated' if active else 'deactivated'} in {authority}.")


@click.command("deactivate")
@click.option("--authority", help="Council slug (not with --research).")
@click.option("--research", is_flag=True, help="A research account (directory).")
@USERNAME
def user_deactivate(authority: str | None, research: bool, username: str) -> None:
    """Deactivate an account: it cannot sign in, and its devices are told ``revoked``."""
    _set_active(authority, research, username, False)


@click.command("reactivate")
@click.option("--authority", help="Council slug (not with --research).")
@click.option("--research", is_flag=True, help="A research account (directory).")
@USERNAME
def user_reactivate(authority: str | None, research: bool, username: str) -> None:
    """Reactivate an account."""
    _set_active(authority, research, username, True)


@click.command("reset-password")
@AUTHORITY
@USERNAME
def user_reset_password(authority: str, username: str) -> None:
    """Set a temporary password, printed once; it must be changed at the next sign-in."""
    from kexpwa.admin import people, rules

    async def work() -> str:
        user = await rules.person_named(username)
        return (await people.reset_password(rules.Actor.cli(), user.id))[1]

    password = in_authority(authority, work)
    click.echo(f"Temporary password for {username}: {password}")


@click.command("sign-out-everywhere")
@AUTHORITY
@USERNAME
def user_sign_out_everywhere(authority: str, username: str) -> None:
    """End every session of a council user; their devices wipe at their next contact."""
    from kexpwa.admin import people, rules

    async def work() -> None:
        user = await rules.person_named(username)
        await people.sign_out_everywhere(rules.Actor.cli(), user.id)

    in_authority(authority, work)
    click.echo(f"{username} is signed out everywhere in {authority}.")


@click.command("import")
@AUTHORITY
@click.argument("file", type=click.File("rb"))
def user_import(authority: str, file: Any) -> None:
    """Add people from a CSV file (username,display_name,role,team), all or none; prints each
    temporary password once."""
    from kexpwa.admin import importing, rules

    data = file.read(importing.MAX_BYTES + 1)
    checked, created = in_authority(authority, lambda: importing.run(rules.Actor.cli(), data))
    if checked.errors:
        for line, message in checked.errors:
            click.echo(f"line {line}: {message}" if line else message, err=True)
        raise click.ClickException("nobody was added; fix the lines above.")
    for username, password in created:
        click.echo(f"{username}\t{password}")
    click.echo(f"Added {len(created)} people to {authority}.", err=True)


@click.group()
def team() -> None:
    """Manage a council's teams."""


@team.command("add")
@AUTHORITY
@click.option("--name", required=True)
def team_add(authority: str, name: str) -> None:
    """Create a team."""
    from kexpwa.admin import rules, teams

    in_authority(authority, lambda: teams.create(rules.Actor.cli(), name))
    click.echo(f"Team {name!r} created in {authority}.")


@team.command("rename")
@AUTHORITY
@click.option("--name", required=True, help="The team's name now.")
@click.option("--to", "new_name", required=True, help="Its new name.")
def team_rename(authority: str, name: str, new_name: str) -> None:
    """Rename a team."""
    from kexpwa.admin import rules, teams

    async def work() -> None:
        found = await teams.team_named(name)
        await teams.rename(rules.Actor.cli(), found.id, new_name)

    in_authority(authority, work)
    click.echo(f"Team {name!r} is now {new_name!r}.")


@team.command("leads")
@AUTHORITY
@click.option("--name", required=True, help="The team.")
@click.option("--lead", "leads", multiple=True, help="A lead's username (repeat; none: no lead).")
def team_leads(authority: str, name: str, leads: tuple[str, ...]) -> None:
    """Set exactly who leads a team."""
    from kexpwa.admin import rules, teams

    async def work() -> None:
        found = await teams.team_named(name)
        ids = [str((await rules.person_named(lead)).id) for lead in leads]
        await teams.set_leads(rules.Actor.cli(), found.id, ids)

    in_authority(authority, work)
    click.echo(f"Team {name!r} is led by {', '.join(leads) or 'nobody'}.")


@click.group()
def device() -> None:
    """A council user's devices (sync clients)."""


@device.command("list")
@AUTHORITY
@USERNAME
def device_list(authority: str, username: str) -> None:
    """One line per device: id, browser family, first seen, last sync, open conflicts."""
    from kexpwa.admin import devices, rules

    async def work() -> list[devices.DeviceRow]:
        return await devices.of_person((await rules.person_named(username)).id)

    for d in in_authority(authority, work):
        state = f"revoked {d.revoked_at:%Y-%m-%d}" if d.revoked_at else "active"
        click.echo(
            f"{d.id}\t{d.device}\tfirst {d.first_seen:%Y-%m-%d}\tlast sync "
            f"{d.last_sync:%Y-%m-%d %H:%M}\t{d.open_conflicts} conflicts\t{state}"
        )


@device.command("revoke")
@AUTHORITY
@click.option("--id", "client_id", required=True, help="The device's id (from device list).")
def device_revoke(authority: str, client_id: str) -> None:
    """Cut a device off: it wipes at its next contact, and entries waiting on it are lost."""
    from kexpwa.admin import devices, rules

    in_authority(authority, lambda: devices.revoke(rules.Actor.cli(), client_id))
    click.echo(f"Device {client_id} revoked; entries waiting on it are lost.")


USER_COMMANDS = (
    user_set_role,
    user_move,
    user_deactivate,
    user_reactivate,
    user_reset_password,
    user_sign_out_everywhere,
    user_import,
)

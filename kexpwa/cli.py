"""The kexpwa command line: serve (the default), init, migrate, demo, user (add, set-role,
move, deactivate, reactivate, reset-password, sign-out-everywhere, import), team (add, rename,
leads), device (list, revoke), purge-tombstones, worker."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from kexpwa import config as config_module
from kexpwa import db, tenancy
from kexpwa import settings as settings_module
from kexpwa.accounts import AccountError
from kexpwa.admin.rules import AdminError
from kexpwa.auth import passwords
from kexpwa.auth.passwords import PasswordPolicyError
from kexpwa.config import ConfigError
from kexpwa.models.account import AUTHORITY_ROLES
from kexpwa.settings import Settings, SettingsError

T = TypeVar("T")
FRIENDLY = (
    ConfigError,
    AccountError,
    AdminError,
    PasswordPolicyError,
    SettingsError,
    tenancy.AuthorityError,
)


def _settings() -> Settings:
    try:
        settings = settings_module.load()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    passwords.use_profile(settings.password_hash_profile)
    return settings


def _config(settings: Settings) -> config_module.Config:
    try:
        return config_module.load(settings.config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _run(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except FRIENDLY as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"could not reach a database: {exc}") from None


async def _with_databases(cfg: config_module.Config, work: Callable[[], Awaitable[T]]) -> T:
    async with db.open_databases(cfg):
        return await work()


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kexpwa: practitioner research and critical reflection, offline first."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default: KEXPWA_HOST).")
@click.option("--port", default=None, type=int, help="Port (default: KEXPWA_PORT, then PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the app with uvicorn."""
    import uvicorn

    settings = _settings()
    _config(settings)  # fail early and clearly if init has not run
    host = host or settings.host
    port = port or settings.port
    click.echo(f"kexpwa is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(
        "kexpwa.app:asgi",
        factory=True,
        host=host,
        port=port,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or "127.0.0.1",
        server_header=False,
        access_log=False,  # access lines carry query strings; we log no personal data
    )


@cli.command()
def init() -> None:
    """Write the config (two demo authorities) if it is missing, then migrate. Idempotent."""
    settings = _settings()
    if settings.config.exists():
        click.echo(f"Config already present: {settings.config}")
    else:
        config_module.write(settings.config, config_module.demo_data(settings.data_dir))
        click.echo(f"Wrote {settings.config} with the demo authorities.")
    cfg = _config(settings)
    visited = _run(lambda: _with_databases(cfg, lambda: db.migrate(cfg)))
    click.echo("Migrated: " + ", ".join(visited))


@cli.command()
def migrate() -> None:
    """Apply pending migrations to the directory and every authority database."""
    settings = _settings()
    cfg = _config(settings)
    visited = _run(lambda: _with_databases(cfg, lambda: db.migrate(cfg)))
    click.echo("Migrated: " + ", ".join(visited))


@cli.command()
def demo() -> None:
    """Seed demo teams, users and sample content. Refuses in production mode."""
    from kexpwa import demo as demo_module

    settings = _settings()
    if settings.production:
        raise click.ClickException("kexpwa demo refuses to run in production mode.")
    cfg = _config(settings)
    created = _run(lambda: _with_databases(cfg, lambda: demo_module.seed(cfg)))
    click.echo(f"Demo data: {len(created)} account(s) created.")
    click.echo(demo_module.sign_in_help(cfg))


@cli.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.option("--authority", help="Council slug (not with --research).")
@click.option("--research", is_flag=True, help="Create a cross-authority research account.")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([r.value for r in AUTHORITY_ROLES]))
@click.option("--team", help="The practitioner's team, or the team a lead leads.")
@click.option("--display-name", help="Name shown in the app (default: the username).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def user_add(
    authority: str | None,
    research: bool,
    username: str,
    role: str | None,
    team: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Add a council user, or with --research a research account."""
    from kexpwa import accounts

    if research and (authority or role or team):
        raise click.UsageError("--research takes no --authority, --role or --team.")
    if not research and not (authority and role):
        raise click.UsageError("give --authority and --role, or --research.")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.UsageError("no password on standard input.")
    settings = _settings()
    cfg = _config(settings)
    if authority is not None and authority not in cfg.slugs:
        raise click.ClickException(
            f"unknown authority {authority!r}; configured: {', '.join(cfg.slugs)}"
        )

    async def work() -> Any:
        if research:
            return await accounts.add_research_account(
                username=username, password=password, display_name=display_name
            )
        assert authority is not None and role is not None
        with tenancy.bound(authority):
            return await accounts.add_user(
                username=username,
                password=password,
                role=role,
                team=team,
                display_name=display_name,
            )

    created = _run(lambda: _with_databases(cfg, work))
    where = "research directory" if research else authority
    click.echo(f"Created {created.username} in {where}.")


def _in_authority(authority: str, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the databases open and ``authority`` bound, as the CLI actor."""
    cfg = _config(_settings())
    if authority not in cfg.slugs:
        raise click.ClickException(
            f"unknown authority {authority!r}; configured: {', '.join(cfg.slugs)}"
        )

    async def bound() -> T:
        with tenancy.bound(authority):
            return await work()

    return _run(lambda: _with_databases(cfg, bound))


AUTHORITY = click.option("--authority", required=True, help="Council slug.")
USERNAME = click.option("--username", required=True)


@user.command("set-role")
@AUTHORITY
@USERNAME
@click.option("--role", required=True, type=click.Choice([r.value for r in AUTHORITY_ROLES]))
def user_set_role(authority: str, username: str, role: str) -> None:
    """Change a council user's role (they sign in again; devices keep their entries)."""
    from kexpwa.admin import people, rules

    async def work() -> None:
        user = await rules.person_named(username)
        await people.set_role(rules.Actor.cli(), user.id, role)

    _in_authority(authority, work)
    click.echo(f"{username} is now {role} in {authority}.")


@user.command("move")
@AUTHORITY
@USERNAME
@click.option("--team", required=True, help="The team (created if missing); empty for none.")
def user_move(authority: str, username: str, team: str) -> None:
    """Put a council user in a team."""
    from kexpwa.admin import people, rules

    async def work() -> None:
        user = await rules.person_named(username)
        await people.move(rules.Actor.cli(), user.id, team)

    _in_authority(authority, work)
    click.echo(f"{username} moved to {team or 'no team'} in {authority}.")


def _set_active(authority: str | None, research: bool, username: str, active: bool) -> None:
    from kexpwa import accounts
    from kexpwa.admin import people, rules

    if research:
        if authority:
            raise click.UsageError("--research takes no --authority.")
        cfg = _config(_settings())
        _run(lambda: _with_databases(cfg, lambda: accounts.set_research_active(username, active)))
        click.echo(f"Research account {username} {'reactivated' if active else 'deactivated'}.")
        return
    if not authority:
        raise click.UsageError("give --authority, or --research.")

    async def work() -> None:
        user = await rules.person_named(username)
        await people.set_active(rules.Actor.cli(), user.id, active)

    _in_authority(authority, work)
    click.echo(f"{username} {'reactivated' if active else 'deactivated'} in {authority}.")


@user.command("deactivate")
@click.option("--authority", help="Council slug (not with --research).")
@click.option("--research", is_flag=True, help="A research account (directory).")
@USERNAME
def user_deactivate(authority: str | None, research: bool, username: str) -> None:
    """Deactivate an account: it cannot sign in, and its devices are told ``revoked``."""
    _set_active(authority, research, username, False)


@user.command("reactivate")
@click.option("--authority", help="Council slug (not with --research).")
@click.option("--research", is_flag=True, help="A research account (directory).")
@USERNAME
def user_reactivate(authority: str | None, research: bool, username: str) -> None:
    """Reactivate an account."""
    _set_active(authority, research, username, True)


@user.command("reset-password")
@AUTHORITY
@USERNAME
def user_reset_password(authority: str, username: str) -> None:
    """Set a temporary password, printed once; it must be changed at the next sign-in."""
    from kexpwa.admin import people, rules

    async def work() -> str:
        user = await rules.person_named(username)
        return (await people.reset_password(rules.Actor.cli(), user.id))[1]

    password = _in_authority(authority, work)
    click.echo(f"Temporary password for {username}: {password}")


@user.command("sign-out-everywhere")
@AUTHORITY
@USERNAME
def user_sign_out_everywhere(authority: str, username: str) -> None:
    """End every session of a council user; their devices wipe at their next contact."""
    from kexpwa.admin import people, rules

    async def work() -> None:
        user = await rules.person_named(username)
        await people.sign_out_everywhere(rules.Actor.cli(), user.id)

    _in_authority(authority, work)
    click.echo(f"{username} is signed out everywhere in {authority}.")


@user.command("import")
@AUTHORITY
@click.argument("file", type=click.File("rb"))
def user_import(authority: str, file: Any) -> None:
    """Add people from a CSV file (username,display_name,role,team), all or none; prints each
    temporary password once."""
    from kexpwa.admin import importing, rules

    data = file.read(importing.MAX_BYTES + 1)
    checked, created = _in_authority(authority, lambda: importing.run(rules.Actor.cli(), data))
    if checked.errors:
        for line, message in checked.errors:
            click.echo(f"line {line}: {message}" if line else message, err=True)
        raise click.ClickException("nobody was added; fix the lines above.")
    for username, password in created:
        click.echo(f"{username}\t{password}")
    click.echo(f"Added {len(created)} people to {authority}.", err=True)


@cli.group()
def team() -> None:
    """Manage a council's teams."""


@team.command("add")
@AUTHORITY
@click.option("--name", required=True)
def team_add(authority: str, name: str) -> None:
    """Create a team."""
    from kexpwa.admin import rules, teams

    _in_authority(authority, lambda: teams.create(rules.Actor.cli(), name))
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

    _in_authority(authority, work)
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

    _in_authority(authority, work)
    click.echo(f"Team {name!r} is led by {', '.join(leads) or 'nobody'}.")


@cli.group()
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

    for d in _in_authority(authority, work):
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

    _in_authority(authority, lambda: devices.revoke(rules.Actor.cli(), client_id))
    click.echo(f"Device {client_id} revoked; entries waiting on it are lost.")


@cli.command("purge-tombstones")
@click.option("--authority", help="Only this council (default: every configured one).")
@click.option("--queue", is_flag=True, help="Queue the purge for the worker instead of waiting.")
def purge_tombstones(authority: str | None, queue: bool) -> None:
    """Remove deleted entries older than the offline horizon (KEXPWA_OFFLINE_HORIZON_DAYS),
    and their copies in the sync tables."""
    from kexpwa.domain import tombstones
    from kexpwa.jobs import purge
    from kexpwa.jobs import queue as job_queue

    settings = _settings()
    cfg = _config(settings)
    if authority is not None and authority not in cfg.slugs:
        raise click.ClickException(
            f"unknown authority {authority!r}; configured: {', '.join(cfg.slugs)}"
        )
    days = settings.offline_horizon_days
    if days < 1:
        raise click.ClickException("KEXPWA_OFFLINE_HORIZON_DAYS must be at least 1.")

    slugs = [authority] if authority else cfg.slugs

    async def enqueue() -> list[str]:
        return [slug for slug in tenancy.each(slugs) if await job_queue.enqueue("purge")]

    if queue:
        for slug in _run(lambda: _with_databases(cfg, enqueue)):
            click.echo(f"{slug}: purge queued for the worker")
        return

    async def work() -> dict[str, tombstones.Purged]:
        return {slug: await purge.purge(days) for slug in tenancy.each(slugs)}

    for slug, purged in _run(lambda: _with_databases(cfg, work)).items():
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(purged.counts.items()))
        click.echo(
            f"{slug}: purged {purged.total} deleted entries older than {days} days ({counts})"
        )


@cli.command()
@click.option("--once", is_flag=True, help="Run every due job, then exit (for cron and tests).")
def worker(once: bool) -> None:
    """Run queued background jobs of every authority until SIGTERM (a job in progress is
    finished first). Queues the daily purge."""
    from kexpwa.jobs.worker import Worker

    settings = _settings()
    cfg = _config(settings)

    async def work() -> int:
        jobs = Worker(settings, cfg.slugs)
        if once:
            return await jobs.drain()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"kexpwa worker {jobs.name} is running (SIGTERM stops it)")
        sys.stdout.flush()  # a process manager shows our lines as they come
        await jobs.run(stop)
        return 0

    ran = _run(lambda: _with_databases(cfg, work))
    click.echo(f"kexpwa worker ran {ran} job(s)" if once else "kexpwa worker stopped")


def main() -> None:
    cli(prog_name="kexpwa")


if __name__ == "__main__":
    main()

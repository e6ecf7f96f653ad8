"""The kexpwa command line: serve (the default), init, migrate, demo, user (add, set-role,
move, deactivate, reactivate, reset-password, sign-out-everywhere, import), team (add, rename,
leads), device (list, revoke), purge-tombstones, worker, export, pseudonym-key, push-keys."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import click

from kexpwa import cli_admin, cli_export, cli_support, db, tenancy
from kexpwa import config as config_module
from kexpwa.models.account import AUTHORITY_ROLES

_settings = cli_support.settings
_config = cli_support.config
_run = cli_support.run
_with_databases = cli_support.with_databases


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
    if not _config(settings).vapid_private_key:
        _write_vapid_key(settings)
        click.echo("Generated the Web Push (VAPID) key pair, kept in the config file.")
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


def _write_vapid_key(settings: Any) -> None:
    from kexpwa.push import vapid

    data = config_module.read_raw(settings.config)
    data["vapid_private_key"] = vapid.generate()
    config_module.write(settings.config, data)


@cli.command("push-keys")
@click.option(
    "--rotate",
    is_flag=True,
    help="Replace the key pair and delete every device's subscription (they must turn"
    " notifications on again).",
)
def push_keys(rotate: bool) -> None:
    """Show the Web Push (VAPID) public key, or replace the key pair with --rotate.

    Push services tie each subscription to the public key it was made with, so after a
    rotation no existing subscription can be used: they are all deleted, and each device
    subscribes again the next time its person opens "Notifications" (the page does it without
    asking again, as permission was already given) or turns notifications on."""
    from kexpwa.models.push import PushSubscription
    from kexpwa.push import vapid

    settings = _settings()
    cfg = _config(settings)
    if rotate:
        _write_vapid_key(settings)
        cfg = _config(settings)

        async def forget() -> dict[str, int]:
            return {slug: await PushSubscription.all().delete() for slug in tenancy.each(cfg.slugs)}

        for slug, count in _run(lambda: _with_databases(cfg, forget)).items():
            click.echo(f"{slug}: {count} subscription(s) deleted")
    elif not cfg.vapid_private_key:
        raise click.ClickException("No VAPID key yet: run `kexpwa init` (or push-keys --rotate).")
    click.echo(f"Public key (applicationServerKey): {vapid.public_key(cfg.vapid_private_key)}")


for _command in cli_admin.USER_COMMANDS:
    user.add_command(_command)
cli.add_command(cli_admin.team)
cli.add_command(cli_admin.device)
cli.add_command(cli_export.export)
cli.add_command(cli_export.pseudonym_key)


def main() -> None:
    cli(prog_name="kexpwa")


if __name__ == "__main__":
    main()

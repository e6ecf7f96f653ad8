"""The export commands: ``kexpwa export`` (the research dataset to a file) and ``kexpwa
pseudonym-key --rotate`` (a council's new key: every pseudonym of that council changes)."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import tomllib
from pathlib import Path
from typing import Any

import click

from kexpwa import audit, cli_support, tenancy
from kexpwa import config as config_module
from kexpwa.admin.rules import CLI
from kexpwa.export import build, log
from kexpwa.export import plan as plans


@click.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The ZIP to write (written under a temporary name, then renamed).",
)
@click.option(
    "--authority", "authorities", multiple=True, help="Only this council (repeatable; default all)."
)
@click.option("--from", "date_from", help="Entries dated on or after this day (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Entries dated on or before this day (YYYY-MM-DD).")
@click.option(
    "--types", default="", help="Comma-separated: note,journal,time,project (default all)."
)
@click.option("--dates", type=click.Choice(list(plans.DATES)), help="Default: week.")
@click.option("--minutes", type=click.Choice(list(plans.MINUTES)), help="Default: exact.")
def export(
    out: Path,
    authorities: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    types: str,
    dates: str | None,
    minutes: str | None,
) -> None:
    """Write the research dataset (consented, pseudonymised) as one ZIP, audited in every
    council it reads. A progress bar on a terminal; nothing on stderr when piped."""
    settings = cli_support.settings()
    cfg = cli_support.config(settings)
    try:
        plan = plans.plan(
            {a.slug: a.name for a in cfg.authorities},
            authorities=authorities,
            types=types.split(","),
            date_from=date_from,
            date_to=date_to,
            dates=dates,
            minutes=minutes,
        )
    except plans.ExportError as exc:
        raise click.ClickException(str(exc)) from None
    part = out.with_name(f".{out.name}.{os.getpid()}.part")
    show = sys.stderr.isatty()

    async def work() -> build.Result:
        found = await build.sources(plan, log.councils(cfg))
        results: list[build.Result] = []

        async def finish(result: build.Result) -> None:
            await log.research(result, None)
            results.append(result)

        bar: Any = contextlib.nullcontext()
        if show:
            length = await build.total(plan, found)
            bar = click.progressbar(length=length, label="Exporting rows", file=sys.stderr)
        with bar as shown, part.open("wb") as handle:
            tick = shown.update if show else None
            async for chunk in build.stream(
                plan,
                found,
                activities=settings.activities,
                cpl_tags=settings.cpl_tags,
                finish=finish,
                progress=tick,
            ):
                handle.write(chunk)
        return results[0]

    try:
        result = cli_support.run(lambda: cli_support.with_databases(cfg, work))
    except plans.ExportError as exc:
        part.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from None
    except BaseException:
        part.unlink(missing_ok=True)  # a broken export leaves nothing behind
        raise
    part.replace(out)
    if sys.stdout.isatty():
        rows = ", ".join(f"{kind} {n}" for kind, n in result.rows().items())
        click.echo(f"Wrote {out} ({rows}); manifest SHA-256 {result.manifest_sha256}")


async def _audit_rotation(authority: str) -> None:
    try:
        with tenancy.bound(authority):
            await audit.record(
                ROTATED, actor_role=CLI, target_kind="authority", target_id=authority
            )
        await audit.record_directory(ROTATED, authority=authority)
    except Exception as exc:  # a database that does not answer, whatever its driver says
        raise click.ClickException(
            f"the rotation could not be recorded in the audit log ({type(exc).__name__}), so "
            "the key was not changed. Try again once every database answers."
        ) from exc


ROTATED = "pseudonym_key.rotated"


@click.command("pseudonym-key")
@click.option("--rotate", is_flag=True, required=True, help="Replace the council's key.")
@click.option("--authority", required=True, help="The council whose key is replaced.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def pseudonym_key(rotate: bool, authority: str, yes: bool) -> None:
    """Give a council a new pseudonym key. Every pseudonym of that council (practitioners,
    teams, rows) is different in every later export and cannot be linked to earlier ones."""
    settings = cli_support.settings()
    cfg = cli_support.config(settings)
    if authority not in cfg.slugs:
        raise click.ClickException(
            f"unknown authority {authority!r}; configured: {', '.join(cfg.slugs)}"
        )
    if not yes:
        click.confirm(
            f"Every research pseudonym of {cfg.authority(authority).name} will change, and later "
            "exports cannot be linked to earlier ones. Rotate the key?",
            abort=True,
        )
    # Audited first, in the council's log and the directory's (where exports are): a rotation
    # that cannot be recorded does not happen.
    cli_support.run(lambda: cli_support.with_databases(cfg, lambda: _audit_rotation(authority)))
    with settings.config.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    for item in data["authority"]:
        if item.get("slug") == authority:
            item["pseudonym_key"] = secrets.token_urlsafe(48)
    config_module.write(settings.config, data)
    click.echo(f"New pseudonym key for {authority}; its pseudonyms change from the next export.")

"""What every command shares: settings and config read once with clear errors, databases
opened around the work, and friendly failures (an operator never sees a traceback)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from kexpwa import config as config_module
from kexpwa import db, tenancy
from kexpwa import settings as settings_module
from kexpwa.accounts import AccountError
from kexpwa.admin.rules import AdminError
from kexpwa.auth import passwords
from kexpwa.auth.passwords import PasswordPolicyError
from kexpwa.config import ConfigError
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


def settings() -> Settings:
    try:
        loaded = settings_module.load()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    passwords.use_profile(loaded.password_hash_profile)
    return loaded


def config(settings: Settings) -> config_module.Config:
    try:
        return config_module.load(settings.config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


async def _settled(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return await make()
    except BaseException:
        # A database that failed to open leaves aiosqlite's worker thread one last answer to
        # hand back; closing the loop under it makes that thread raise "Event loop is closed".
        await asyncio.sleep(0.1)
        raise


def run(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_settled(make))
    except FRIENDLY as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"could not reach a database: {exc}") from None


async def with_databases(cfg: config_module.Config, work: Callable[[], Awaitable[T]]) -> T:
    async with db.open_databases(cfg):
        return await work()


def in_authority(authority: str, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the databases open and ``authority`` bound, as the CLI actor."""
    cfg = config(settings())
    if authority not in cfg.slugs:
        raise click.ClickException(
            f"unknown authority {authority!r}; configured: {', '.join(cfg.slugs)}"
        )

    async def bound() -> T:
        with tenancy.bound(authority):
            return await work()

    return run(lambda: with_databases(cfg, bound))

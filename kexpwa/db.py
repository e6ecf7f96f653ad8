"""Opening the databases, migrating them and checking they answer.

One Tortoise context holds a connection per authority, the directory connection, and ``void``:
the authority app's default connection, an empty database that no query should ever reach.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.models import AUTHORITY_MODULES, DIRECTORY_MODULES

log = logging.getLogger(__name__)

AUTHORITY_MIGRATIONS = "kexpwa.migrations.authority"
DIRECTORY_MIGRATIONS = "kexpwa.migrations.directory"
VOID_PG_DATABASE = "kexpwa_void_never_created"


def _void_url(cfg: Config) -> str:
    first = cfg.authorities[0].url
    if first.startswith("sqlite://"):
        return "sqlite://:memory:"
    head, _, _ = first.partition("?")
    return head.rsplit("/", 1)[0] + "/" + VOID_PG_DATABASE


def app_configs(authority_connection: str = tenancy.VOID_ALIAS) -> dict[str, dict[str, Any]]:
    return {
        tenancy.AUTHORITY_APP: {
            "models": AUTHORITY_MODULES,
            "default_connection": authority_connection,
            "migrations": AUTHORITY_MIGRATIONS,
        },
        tenancy.DIRECTORY_APP: {
            "models": DIRECTORY_MODULES,
            "default_connection": tenancy.DIRECTORY_ALIAS,
            "migrations": DIRECTORY_MIGRATIONS,
        },
    }


def _connection(url: str) -> str | dict[str, Any]:
    if not url.startswith("sqlite://"):
        return url
    expanded: dict[str, Any] = expand_db_url(url)
    # Deleted rows and freed pages are overwritten with zeros, so purged text does not linger
    # in the file's free space (the purge then truncates the write-ahead log too).
    expanded["credentials"]["secure_delete"] = "ON"
    # WAL (Tortoise's default) with every commit synced to disk: an acknowledged push survives a
    # power cut. NORMAL would skip that fsync and could lose the last commits (see README).
    expanded["credentials"]["journal_mode"] = "WAL"
    expanded["credentials"]["synchronous"] = "FULL"
    return expanded


def tortoise_config(cfg: Config) -> dict[str, Any]:
    """The Tortoise config for a deployment: one connection per authority, plus directory.
    Every SQLite connection runs with ``PRAGMA secure_delete=ON``, ``journal_mode=WAL`` and
    ``synchronous=FULL``."""
    connections: dict[str, str | dict[str, Any]] = {
        tenancy.VOID_ALIAS: _connection(_void_url(cfg)),
        tenancy.DIRECTORY_ALIAS: _connection(cfg.directory_url),
    }
    for authority in cfg.authorities:
        connections[tenancy.alias(authority.slug)] = _connection(authority.url)
    return {
        "connections": connections,
        "apps": app_configs(),
        "routers": ["kexpwa.tenancy.AuthorityRouter"],
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_files(cfg: Config) -> list[Path]:
    """The SQLite database files of a deployment (none for PostgreSQL)."""
    return [
        Path(url.removeprefix("sqlite://").split("?")[0])
        for url in [cfg.directory_url, *(a.url for a in cfg.authorities)]
        if url.startswith("sqlite://") and ":memory:" not in url
    ]


def _ensure_sqlite_files(cfg: Config) -> None:
    """Create missing data folders (0700) and database files (0600) before SQLite does, so they
    are never readable by other users; SQLite gives its -wal and -shm files the same mode.
    Existing ones are left as they are, and a looser mode is logged (see :func:`loose`)."""
    for path in sqlite_files(cfg):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in loose(cfg):
        log.warning("%s can be read by other users of this machine: chmod it to 0700/0600", path)


def loose(cfg: Config) -> list[Path]:
    """SQLite files and folders that users other than the owner can read, write or enter."""
    found: list[Path] = []
    for path in sqlite_files(cfg):
        for candidate in (path.parent, path, *(Path(f"{path}{end}") for end in ("-wal", "-shm"))):
            if candidate in found or not candidate.exists():
                continue
            if stat.S_IMODE(candidate.stat().st_mode) & 0o077:
                found.append(candidate)
    return found


@asynccontextmanager
async def open_databases(cfg: Config, *, global_fallback: bool = True) -> AsyncIterator[None]:
    """Open every database of ``cfg`` for the duration of the block.

    ``global_fallback`` makes the context visible to tasks started elsewhere (uvicorn runs
    requests outside the lifespan's task). Authority routing is unaffected by it.
    """
    _ensure_sqlite_files(cfg)
    tenancy.set_known(cfg.slugs)
    # Tortoise caches prepared SQL per connection name; a process that opens the same names
    # on another backend (the test suite does) must not reuse the other dialect's SQL.
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(cfg), _enable_global_fallback=global_fallback)
        try:
            yield
        finally:
            await ctx.close_connections()


async def ensure_postgres_database(url: str) -> bool:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet.

    Returns True if it was created. Needs CREATEDB on the server; a council that provisions
    databases itself simply creates them first.
    """
    import asyncpg  # only needed for PostgreSQL deployments

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,63}", name):
        raise ValueError(f"unsupported PostgreSQL database name {name!r}")
    server = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    conn = await asyncpg.connect(server)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        await conn.execute(f'CREATE DATABASE "{name}"')  # name comes from the operator's config
        return True
    finally:
        await conn.close()


async def _migrate_connection(alias: str, app_label: str) -> None:
    conn = get_connection(alias)
    # The authority app's migrations run on this authority's connection, not on ``void``.
    executor = MigrationExecutor(conn, {app_label: app_configs(alias)[app_label]})
    await executor.migrate()


async def migrate(cfg: Config) -> list[str]:
    """Apply pending migrations to the directory and every authority database. Idempotent.

    Must run inside :func:`open_databases`. Returns the names of the databases it visited.
    """
    from kexpwa.models.sync import ChangeCounter

    for url in [cfg.directory_url, *(a.url for a in cfg.authorities)]:
        if url.startswith("postgres://"):
            await ensure_postgres_database(url)
    visited = []
    await _migrate_connection(tenancy.DIRECTORY_ALIAS, tenancy.DIRECTORY_APP)
    visited.append("directory")
    for slug in tenancy.each(cfg.slugs):
        await _migrate_connection(tenancy.alias(slug), tenancy.AUTHORITY_APP)
        await ChangeCounter.get_or_create(id=1, defaults={"value": 0})
        await refresh_statistics()
        visited.append(slug)
    return visited


async def checkpoint() -> None:
    """On SQLite, copy the bound authority's write-ahead log into the database and truncate it,
    so overwritten pages (purged text) leave the disk now rather than at some later checkpoint.
    Nothing to do on PostgreSQL (VACUUM there; see the README)."""
    conn = tenancy.connection()
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_query("PRAGMA wal_checkpoint(TRUNCATE)")


# Rows ANALYZE samples per index on SQLite: enough for the planner to tell a selective index
# from one that is not, at a cost that stays a few milliseconds however large the tables grow.
ANALYSIS_LIMIT = 1000


async def refresh_statistics() -> None:
    """On SQLite, refresh the query planner's statistics for the bound authority.

    Without them SQLite guesses every index equally selective, and some team-lead queries pick
    an index matching thousands of rows over a key lookup (the unread counts: 3 to 4 times slower
    at 50,000 entries). Run by ``kexpwa migrate`` and by the daily purge job. PostgreSQL's
    autovacuum keeps its own statistics."""
    conn = tenancy.connection()
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_script(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}; ANALYZE;")


async def _ping(alias: str, seconds: float) -> bool:
    try:
        await asyncio.wait_for(get_connection(alias).execute_query("SELECT 1"), seconds)
    except Exception:
        log.warning("health check failed for connection %s", alias)
        return False
    return True


async def health(cfg: Config, seconds: float = 2.0) -> tuple[dict[str, bool], bool]:
    """Ping every authority database and the directory; returns ({slug: ok}, directory_ok)."""
    slugs = list(cfg.slugs)
    results = await asyncio.gather(
        *(_ping(tenancy.alias(slug), seconds) for slug in slugs),
        _ping(tenancy.DIRECTORY_ALIAS, seconds),
    )
    return dict(zip(slugs, results[:-1], strict=True)), results[-1]

"""The command line, run as an operator runs it: a real process on real databases.

Every failure must exit non-zero with a message, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from kexpwa import config as config_module
from kexpwa.demo import DEMO_PASSWORD
from tests.conftest import PG_URL

PASSWORD = "a long enough password"
DATABASES = ("directory", "edinburgh", "east-lothian")


@dataclass
class Kexpwa:
    """Runs ``python -m kexpwa`` with its data in one folder and nothing from our environment."""

    data_dir: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_") and k != "PORT"}
        env["KEXPWA_DATA_DIR"] = str(self.data_dir)
        env.update(extra or {})
        return env

    def __call__(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "kexpwa", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(env),
            timeout=120,
        )
        # Whatever happened, an operator never gets a traceback.
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def ok(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
        result = self(*args, stdin=stdin, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def fails(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
        """Run a command that must fail; return its error message."""
        result = self(*args, stdin=stdin, env=env)
        assert result.returncode != 0, result.stdout
        assert result.stderr.strip(), "a failure must say why"
        return result.stderr

    @property
    def config(self) -> Path:
        return self.data_dir / "kexpwa.toml"


@pytest.fixture
def kexpwa(tmp_path: Path) -> Kexpwa:
    """The CLI, pointed at an empty data folder."""
    return Kexpwa(tmp_path / "data")


@pytest.fixture
def initialised(kexpwa: Kexpwa) -> Kexpwa:
    """The CLI after ``kexpwa init``: config and migrated SQLite databases."""
    kexpwa.ok("init")
    return kexpwa


def _rows(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def _usernames(path: Path, table: str) -> list[str]:
    return [str(row[0]) for row in _rows(path, f"SELECT username FROM {table} ORDER BY username")]


def _applied(path: Path) -> list[tuple[object, ...]]:
    return _rows(path, "SELECT * FROM tortoise_migrations ORDER BY 1")


# --- init and migrate -------------------------------------------------------------------------


def test_init_creates_config_and_databases_and_is_idempotent(kexpwa: Kexpwa) -> None:
    first = kexpwa.ok("init")
    assert "Migrated: directory, edinburgh, east-lothian" in first
    for name in DATABASES:
        assert (kexpwa.data_dir / f"{name}.sqlite3").is_file()
        assert _rows(kexpwa.data_dir / f"{name}.sqlite3", "SELECT count(*) FROM sqlite_master")
    assert stat.S_IMODE(kexpwa.config.stat().st_mode) == 0o600
    written = kexpwa.config.read_bytes()
    migrations = _applied(kexpwa.data_dir / "edinburgh.sqlite3")
    assert migrations

    second = kexpwa.ok("init")
    assert "already present" in second
    assert kexpwa.config.read_bytes() == written  # keys are never regenerated
    assert stat.S_IMODE(kexpwa.config.stat().st_mode) == 0o600
    assert _applied(kexpwa.data_dir / "edinburgh.sqlite3") == migrations


def test_data_folder_and_databases_are_private_and_looser_ones_are_reported(
    kexpwa: Kexpwa,
) -> None:
    """Other users of the machine cannot read the councils' data; an operator is told (by
    path, and nothing else) when an existing file or folder is looser."""
    first = kexpwa("init")
    assert first.returncode == 0 and "other users" not in first.stderr, first.stderr
    assert stat.S_IMODE(kexpwa.data_dir.stat().st_mode) == 0o700
    files = sorted(kexpwa.data_dir.glob("*.sqlite3*"))
    assert {f.name for f in files} >= {f"{name}.sqlite3" for name in DATABASES}
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
    database = kexpwa.data_dir / "edinburgh.sqlite3"
    database.chmod(0o644)
    kexpwa.data_dir.chmod(0o755)
    warned = kexpwa("migrate")
    assert warned.returncode == 0, warned.stderr
    lines = [line for line in warned.stderr.splitlines() if "other users" in line]
    assert len(lines) == 2
    assert str(kexpwa.data_dir) in lines[0] and str(database) in lines[1]


def test_migrate_is_idempotent(initialised: Kexpwa) -> None:
    before = {name: _applied(initialised.data_dir / f"{name}.sqlite3") for name in DATABASES}
    for _ in range(2):
        out = initialised.ok("migrate")
        assert "Migrated: directory, edinburgh, east-lothian" in out
    after = {name: _applied(initialised.data_dir / f"{name}.sqlite3") for name in DATABASES}
    assert after == before


def test_migrate_creates_a_newly_configured_authority(initialised: Kexpwa) -> None:
    data = tomllib.loads(initialised.config.read_text())
    midlothian = initialised.data_dir / "midlothian.sqlite3"
    data["authority"].append(
        {
            "slug": "midlothian",
            "name": "Midlothian Council",
            "url": f"sqlite://{midlothian}",
            "pseudonym_key": secrets.token_urlsafe(48),
        }
    )
    config_module.write(initialised.config, data)
    assert not midlothian.exists()
    out = initialised.ok("migrate")
    assert "midlothian" in out
    tables = {str(r[0]) for r in _rows(midlothian, "SELECT name FROM sqlite_master")}
    assert {"user", "team", "audit_event", "tortoise_migrations"} <= tables
    initialised.ok(
        "user", "add", "--authority", "midlothian", "--role", "practitioner",
        "--username", "ali", "--team", "Dalkeith", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert _usernames(midlothian, "user") == ["ali"]


def test_commands_before_init_say_to_run_init(kexpwa: Kexpwa) -> None:
    assert "kexpwa init" in kexpwa.fails("migrate")


def test_a_broken_config_is_named(initialised: Kexpwa) -> None:
    initialised.config.write_text("secret_key = [")
    message = initialised.fails("migrate")
    assert str(initialised.config) in message and "TOML" in message


# --- demo -------------------------------------------------------------------------------------


def test_demo_seeds_once_and_prints_how_to_sign_in(initialised: Kexpwa) -> None:
    first = initialised.ok("demo")
    assert DEMO_PASSWORD in first
    assert "pat" in first and "City of Edinburgh Council" in first
    edinburgh = initialised.data_dir / "edinburgh.sqlite3"
    users = _usernames(edinburgh, "user")
    assert "pat" in users
    assert "morgan" not in users  # East Lothian's people stay in East Lothian's database
    assert "morgan" in _usernames(initialised.data_dir / "east-lothian.sqlite3", "user")

    second = initialised.ok("demo")
    assert "0 account(s) created" in second
    assert DEMO_PASSWORD in second
    assert _usernames(edinburgh, "user") == users


def test_demo_refuses_in_production(initialised: Kexpwa) -> None:
    message = initialised.fails("demo", env={"KEXPWA_PRODUCTION": "true"})
    assert "production" in message
    assert _usernames(initialised.data_dir / "edinburgh.sqlite3", "user") == []


# --- user add ---------------------------------------------------------------------------------


def _add(kexpwa: Kexpwa, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    return kexpwa("user", "add", *args, "--password-stdin", stdin=password + "\n")


def test_user_add_creates_a_council_user_in_that_council_only(initialised: Kexpwa) -> None:
    result = _add(
        initialised, "--authority", "edinburgh", "--role", "team_lead", "--username", "lee",
        "--team", "Leith",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Created lee in edinburgh" in result.stdout
    assert _usernames(initialised.data_dir / "edinburgh.sqlite3", "user") == ["lee"]
    assert _usernames(initialised.data_dir / "east-lothian.sqlite3", "user") == []
    stored = _rows(initialised.data_dir / "edinburgh.sqlite3", "SELECT * FROM user")
    assert PASSWORD not in repr(stored)  # only a hash is kept


def test_user_add_refuses_a_duplicate(initialised: Kexpwa) -> None:
    args = ("--authority", "edinburgh", "--role", "practitioner", "--username", "pat")
    assert _add(initialised, *args, "--team", "Leith").returncode == 0
    again = _add(initialised, *args, "--team", "Leith")
    assert again.returncode != 0
    assert "pat" in again.stderr
    assert _usernames(initialised.data_dir / "edinburgh.sqlite3", "user") == ["pat"]


def test_the_same_username_may_exist_in_two_councils(initialised: Kexpwa) -> None:
    for authority in ("edinburgh", "east-lothian"):
        result = _add(initialised, "--authority", authority, "--role", "admin", "--username", "kim")
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "args,stdin,expected",
    [
        (["--authority", "edinburgh", "--role", "overlord"], PASSWORD, "overlord"),
        (["--authority", "glasgow", "--role", "admin"], PASSWORD, "unknown authority"),
        (["--authority", "edinburgh", "--role", "admin"], "", "no password"),
        (["--authority", "edinburgh", "--role", "admin"], "short", "at least"),
        (["--research", "--authority", "edinburgh"], PASSWORD, "--research"),
        (["--research", "--role", "admin"], PASSWORD, "--research"),
        (["--authority", "edinburgh"], PASSWORD, "--role"),
    ],
    ids=[
        "bad-role",
        "unknown-authority",
        "no-password",
        "weak-password",
        "research-with-authority",
        "research-with-role",
        "missing-role",
    ],
)
def test_user_add_errors_are_clear(
    initialised: Kexpwa, args: list[str], stdin: str, expected: str
) -> None:
    message = initialised.fails(
        "user", "add", *args, "--username", "alex", "--password-stdin", stdin=stdin + "\n"
    )
    assert expected in message
    for name in DATABASES[1:]:
        assert _usernames(initialised.data_dir / f"{name}.sqlite3", "user") == []
    assert _usernames(initialised.data_dir / "directory.sqlite3", "research_account") == []


def test_research_with_authority_is_a_usage_error(initialised: Kexpwa) -> None:
    result = _add(initialised, "--research", "--authority", "edinburgh", "--username", "rowan")
    assert result.returncode == 2  # click's usage-error status
    assert "Usage:" in result.stderr


def test_user_add_research_account_goes_to_the_directory(initialised: Kexpwa) -> None:
    result = _add(initialised, "--research", "--username", "rowan")
    assert result.returncode == 0, result.stderr
    assert "Created rowan in research directory" in result.stdout
    assert _usernames(initialised.data_dir / "directory.sqlite3", "research_account") == ["rowan"]
    for name in DATABASES[1:]:
        assert _usernames(initialised.data_dir / f"{name}.sqlite3", "user") == []


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_bad_port_is_a_clear_error(initialised: Kexpwa, command: str) -> None:
    message = initialised.fails(command, env={"KEXPWA_PORT": "eighty"})
    assert "KEXPWA_PORT" in message and "eighty" in message


def test_a_bad_boolean_is_a_clear_error(initialised: Kexpwa) -> None:
    message = initialised.fails("migrate", env={"KEXPWA_PRODUCTION": "maybe"})
    assert "KEXPWA_PRODUCTION" in message


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


async def _pg_fetch_names(prefix: str) -> list[str]:
    conn = await asyncpg.connect(_pg("postgres"), timeout=3)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname", prefix + "%"
        )
        return [str(r["datname"]) for r in rows]
    finally:
        await conn.close()


async def _pg_drop(names: list[str]) -> None:
    conn = await asyncpg.connect(_pg("postgres"), timeout=3)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def pg_prefix() -> Iterator[str]:
    """A unique database-name prefix; every database with it is dropped afterwards."""
    try:
        asyncio.run(_pg_fetch_names("kx_none_"))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") != "true":
            pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc}); CI requires it")
        pytest.fail(f"PostgreSQL at {PG_URL} is required in CI and is not reachable: {exc}")
    prefix = f"kx_cli_{uuid.uuid4().hex[:10]}_"
    yield prefix
    asyncio.run(_pg_drop(asyncio.run(_pg_fetch_names(prefix))))


@pytest.mark.postgres
def test_init_and_migrate_create_postgres_databases(kexpwa: Kexpwa, pg_prefix: str) -> None:
    data = config_module.demo_data(kexpwa.data_dir)
    data["directory"] = {"url": _pg(pg_prefix + "directory")}
    for item in data["authority"]:  # type: ignore[attr-defined]
        item["url"] = _pg(pg_prefix + item["slug"].replace("-", "_"))
    config_module.write(kexpwa.config, data)

    out = kexpwa.ok("init")
    assert "already present" in out and "Migrated: directory, edinburgh, east-lothian" in out
    expected = [pg_prefix + name for name in ("directory", "east_lothian", "edinburgh")]
    assert asyncio.run(_pg_fetch_names(pg_prefix)) == expected
    assert not any(path.suffix == ".sqlite3" for path in kexpwa.data_dir.iterdir())

    kexpwa.ok("migrate")  # idempotent on PostgreSQL too
    kexpwa.ok(
        "user", "add", "--authority", "east-lothian", "--role", "admin", "--username", "kim",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip

    async def usernames(database: str) -> list[str]:
        conn = await asyncpg.connect(_pg(database), timeout=3)
        try:
            return [str(r[0]) for r in await conn.fetch('SELECT username FROM "user"')]
        finally:
            await conn.close()

    assert asyncio.run(usernames(pg_prefix + "east_lothian")) == ["kim"]
    assert asyncio.run(usernames(pg_prefix + "edinburgh")) == []

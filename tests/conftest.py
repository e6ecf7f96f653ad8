"""Shared fixtures: real databases (SQLite always, PostgreSQL when reachable and always in CI),
the app, and an in-process HTTP client that also records which template rendered.

Every test that takes ``cfg`` runs twice, once per backend, on databases in the state a fresh
migration leaves: for SQLite, files copied from a migrated template; for PostgreSQL, one set of
databases per test session, made from migrated templates and reset before each test
(``tests/pgpool.py``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx2
import pytest
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from kexpwa import config as config_module
from kexpwa import db, tenancy
from kexpwa import settings as settings_module
from kexpwa.app import create_app
from kexpwa.auth import passwords
from kexpwa.config import Config
from kexpwa.settings import Settings
from tests import pgpool, support

IN_CI = os.environ.get("CI") == "true"
# The tests' own variable: where they create their PostgreSQL databases (not an app setting).
PG_URL = os.environ.get("KEXPWA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
AUTHORITIES = (("edinburgh", "City of Edinburgh Council"), ("east-lothian", "East Lothian Council"))
# Per test session, so concurrent runs on one server never drop each other's templates.
TEMPLATE_PREFIX = f"kx_tpl_{os.getpid()}"


def _pg_server_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


async def _pg_reachable() -> bool:
    try:
        conn = await asyncpg.connect(_pg_server_url("postgres"), timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def _pg_execute(*statements: str) -> None:
    conn = await asyncpg.connect(_pg_server_url("postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _template_config(backend: str, folder: Path) -> Config:
    data = config_module.demo_data(folder)
    if backend == "postgres":
        data["directory"] = {"url": _pg_server_url(f"{TEMPLATE_PREFIX}_directory")}
        data["authority"] = [
            {
                **data["authority"][0],
                "slug": "template",
                "url": _pg_server_url(f"{TEMPLATE_PREFIX}_authority"),
            }  # type: ignore[index]
        ]
    else:
        data["authority"] = [
            {
                **data["authority"][0],
                "slug": "template",
                "url": f"sqlite://{folder}/authority.sqlite3",
            }
        ]  # type: ignore[index]
        data["directory"] = {"url": f"sqlite://{folder}/directory.sqlite3"}
    return config_module.parse(data)


async def _build_template(backend: str, folder: Path) -> None:
    if backend == "postgres":
        await _pg_execute(
            f"DROP DATABASE IF EXISTS {TEMPLATE_PREFIX}_authority WITH (FORCE)",
            f"DROP DATABASE IF EXISTS {TEMPLATE_PREFIX}_directory WITH (FORCE)",
        )
    cfg = _template_config(backend, folder)
    async with db.open_databases(cfg):
        await db.migrate(cfg)


@dataclass
class Templates:
    folder: Path
    postgres: bool
    # The session's PostgreSQL databases by role ("edinburgh", "east-lothian", "directory"),
    # and for each the snapshot that resets it.
    pool: dict[str, tuple[str, pgpool.Snapshot]] = field(default_factory=dict)


def _pool_names() -> dict[str, str]:
    roles = [slug for slug, _ in AUTHORITIES] + ["directory"]
    return {role: f"kx_p_{os.getpid()}_{role.replace('-', '_')}" for role in roles}


async def _build_pool() -> dict[str, tuple[str, pgpool.Snapshot]]:
    snaps = {
        kind: await pgpool.snapshot(_pg_server_url(f"{TEMPLATE_PREFIX}_{kind}"))
        for kind in ("authority", "directory")
    }
    pool = {}
    for role, name in _pool_names().items():
        kind = "directory" if role == "directory" else "authority"
        await _pg_execute(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_PREFIX}_{kind}",
        )
        pool[role] = (name, snaps[kind])
    return pool


async def _reset_pool(pool: dict[str, tuple[str, pgpool.Snapshot]]) -> None:
    server = PG_URL.rsplit("/", 1)[0]
    await asyncio.gather(*(pgpool.reset(server, name, snap) for name, snap in pool.values()))


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    folder = tmp_path_factory.mktemp("templates")
    asyncio.run(_build_template("sqlite", folder))
    postgres = asyncio.run(_pg_reachable())
    if not postgres and IN_CI:
        raise RuntimeError(f"PostgreSQL at {PG_URL} is required in CI and is not reachable")
    pool = {}
    if postgres:
        asyncio.run(_build_template("postgres", folder))
        pool = asyncio.run(_build_pool())
    yield Templates(folder, postgres, pool)
    if postgres:
        asyncio.run(
            _pg_execute(
                f"DROP DATABASE IF EXISTS {TEMPLATE_PREFIX}_authority WITH (FORCE)",
                f"DROP DATABASE IF EXISTS {TEMPLATE_PREFIX}_directory WITH (FORCE)",
                *(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name, _ in pool.values()),
            )
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, db_templates: Templates) -> str:
    if request.param == "postgres" and not db_templates.postgres:
        # Outside CI only; in CI db_templates has already failed the run (see IN_CI above).
        pytest.skip("PostgreSQL not reachable (CI requires it)")
    return str(request.param)


@pytest.fixture
def cfg(backend: str, db_templates: Templates, tmp_path: Path) -> Iterator[Config]:
    """Two authorities and a directory, each in a database of its own, migrated."""
    data = config_module.demo_data(tmp_path)
    if backend == "postgres":
        asyncio.run(_reset_pool(db_templates.pool))
        data["directory"] = {"url": _pg_server_url(db_templates.pool["directory"][0])}
        for item in data["authority"]:  # type: ignore[union-attr]
            item["url"] = _pg_server_url(db_templates.pool[item["slug"]][0])
    else:
        for item in data["authority"]:  # type: ignore[union-attr]
            shutil.copy(
                db_templates.folder / "authority.sqlite3", tmp_path / f"{item['slug']}.sqlite3"
            )
        shutil.copy(db_templates.folder / "directory.sqlite3", tmp_path / "directory.sqlite3")
    config = config_module.parse(data)
    config_module.write(tmp_path / "kexpwa.toml", data)
    yield config


@pytest.fixture
async def dbs(cfg: Config) -> AsyncIterator[Config]:
    """The test's databases, open; no authority bound."""
    async with db.open_databases(cfg):
        yield cfg


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_module.load(
        {},
        data_dir=tmp_path,
        config=str(tmp_path / "kexpwa.toml"),
        secret_key="test-secret-" + "x" * 40,
        login_max_failures=5,
        password_hash_profile=support.TEST_HASH_PROFILE,
        allowed_hosts=("testserver",),  # the in-process client's host (see make_client)
    )


@pytest.fixture
def app(settings: Settings, cfg: Config) -> Starlette:
    return create_app(settings, cfg)


@dataclass
class Rendered:
    template: str
    context: dict[str, Any]


@dataclass
class RecordingApp:
    """Wraps the app so tests can assert on the template and context before the HTML."""

    app: Starlette
    rendered: list[Rendered] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("extensions", {})["http.response.debug"] = {}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.debug":
                info = message["info"]
                self.rendered.append(Rendered(info["template"].name, info["context"]))
                return
            await send(message)

        await self.app(scope, receive, capture)


class Client(httpx2.AsyncClient):
    recorder: RecordingApp

    @property
    def template(self) -> Rendered:
        assert self.recorder.rendered, "no template was rendered"
        return self.recorder.rendered[-1]


def make_client(app: Starlette) -> Client:
    recorder = RecordingApp(app)
    client = Client(
        transport=httpx2.ASGITransport(app=recorder, client=("203.0.113.9", 50000)),
        base_url="http://testserver",
        follow_redirects=False,
    )
    client.recorder = recorder
    return client


@pytest.fixture
async def client(app: Starlette, dbs: Config) -> AsyncIterator[Client]:
    async with make_client(app) as c:
        yield c


@pytest.fixture
async def other_client(app: Starlette, dbs: Config) -> AsyncIterator[Client]:
    """A second browser, for a second user at the same time."""
    async with make_client(app) as c:
        yield c


@pytest.fixture
def users(dbs: Config) -> support.UserFactory:
    return support.UserFactory()


@pytest.fixture(autouse=True)
def _cheap_password_hashes() -> None:
    """Users made by tests get argon2id hashes with the cheapest parameters (see support)."""
    passwords.use_profile(support.TEST_HASH_PROFILE)


@pytest.fixture
def standard_password_hashes() -> Iterator[None]:
    """For a test that relies on what argon2's real cost does (the sign-in queue)."""
    passwords.use_profile(passwords.STANDARD)
    yield
    passwords.use_profile(support.TEST_HASH_PROFILE)


@pytest.fixture(autouse=True)
def _no_authority_leaks() -> Iterator[None]:
    """Every test starts and ends with no authority bound."""
    assert tenancy.current_or_none() is None
    yield
    assert tenancy.current_or_none() is None

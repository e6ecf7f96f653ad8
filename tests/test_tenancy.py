"""The core invariant: each authority's data stays in its own database, and a query with no
(or an unknown) authority bound fails loudly instead of falling back to some default."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from tortoise.exceptions import DBConnectionError, OperationalError

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.models.account import Team, User
from kexpwa.models.audit import AuditEvent
from tests import support
from tests.support import UserFactory


async def _rows(cfg: Config, slug: str, sql: str) -> list[tuple[object, ...]]:
    """Read a database directly, bypassing the app and Tortoise."""
    url = cfg.authority(slug).url if slug != "directory" else cfg.directory_url
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
            return conn.execute(sql).fetchall()
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def test_query_without_bound_authority_raises(dbs: Config) -> None:
    with pytest.raises(tenancy.AuthorityError, match="no authority is bound"):
        await User.all().count()
    with pytest.raises(tenancy.AuthorityError):
        await Team.create(name="nowhere")


async def test_unknown_authority_raises(dbs: Config) -> None:
    with pytest.raises(tenancy.AuthorityError, match="not configured"):
        with tenancy.bound("glasgow"):
            pass


async def test_unbound_inside_bound_raises(dbs: Config) -> None:
    with tenancy.bound("edinburgh"), tenancy.unbound():
        with pytest.raises(tenancy.AuthorityError):
            await User.all().count()


async def test_bypassing_the_router_reaches_no_real_database(dbs: Config) -> None:
    """Tortoise's M2M writes ignore routers and use the app's default connection. That default
    is the empty ``void`` database, so a forgotten ``using_db`` fails instead of writing into
    some council's data."""
    with tenancy.bound("edinburgh"):
        team = await Team.create(name="Leith")
        user = await User.create(
            username="lead", display_name="L", password_hash="x", role="team_lead"
        )
        with pytest.raises((OperationalError, DBConnectionError)):
            await user.led_teams.add(
                team
            )  # no using_db: void has no tables (SQLite) or no database (PostgreSQL)
        await user.led_teams.add(team, using_db=tenancy.connection())
        assert [t.name for t in await user.led_teams.all()] == ["Leith"]


async def test_rows_land_only_in_the_bound_authority(dbs: Config, users: UserFactory) -> None:
    await users("edinburgh", "pat")
    await users("east-lothian", "morgan")
    assert await _rows(dbs, "edinburgh", 'SELECT username FROM "user"') == [("pat",)]
    assert await _rows(dbs, "east-lothian", 'SELECT username FROM "user"') == [("morgan",)]
    assert await _rows(dbs, "directory", "SELECT username FROM research_account") == []


async def test_request_writes_land_in_the_signed_in_authority(
    client: support.Client, users: UserFactory, dbs: Config
) -> None:
    await users("edinburgh", "pat")
    await users("east-lothian", "pat")  # same username, different council
    response = await support.sign_in(client, ("east-lothian", "pat", support.PASSWORD))
    assert response.status_code == 303
    east = await _rows(dbs, "east-lothian", "SELECT action FROM audit_event ORDER BY id")
    edinburgh = await _rows(dbs, "edinburgh", "SELECT action FROM audit_event ORDER BY id")
    assert ("signin",) in east
    assert ("signin",) not in edinburgh
    with tenancy.bound("edinburgh"):
        assert not await AuditEvent.filter(action="signin").exists()


async def test_same_username_in_two_authorities_are_different_people(
    client: support.Client, users: UserFactory
) -> None:
    pat_e = await users("edinburgh", "pat")
    await users("east-lothian", "pat")
    response = await support.sign_in(client, ("edinburgh", "pat", support.PASSWORD))
    assert response.status_code == 303
    home = await client.get("/")
    assert client.template.context["principal"].authority == "edinburgh"
    assert client.template.context["principal"].id == pat_e.user.id
    assert "City of Edinburgh Council" in home.text


async def test_each_binds_every_authority_in_turn_and_nothing_after(dbs: Config) -> None:
    seen = []
    for slug in tenancy.each(dbs.slugs):
        seen.append((slug, tenancy.current(), await User.all().count()))
    assert seen == [("edinburgh", "edinburgh", 0), ("east-lothian", "east-lothian", 0)]
    assert tenancy.current_or_none() is None
    for _slug in tenancy.each(dbs.slugs):
        break
    assert tenancy.current_or_none() is None
    with pytest.raises(RuntimeError, match="stop"):
        for _slug in tenancy.each(dbs.slugs):
            raise RuntimeError("stop")
    assert tenancy.current_or_none() is None


async def test_each_fails_closed_before_binding_anything(dbs: Config) -> None:
    ran = []
    with pytest.raises(tenancy.AuthorityError, match="glasgow"):
        for slug in tenancy.each(["edinburgh", "glasgow"]):
            ran.append(slug)
    assert ran == []

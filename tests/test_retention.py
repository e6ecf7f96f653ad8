"""Deleted text is really gone after the purge: from every table of the authority's database,
and on SQLite from the database files' bytes (the write-ahead log included)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain import changes
from kexpwa.domain.kinds import Context
from kexpwa.jobs import purge
from kexpwa.models.sync import AppliedMutation, Conflict
from kexpwa.settings import Settings
from kexpwa.syncing import retention
from tests import support
from tests.support import UserFactory
from tests.sync_support import Device, note_data, statuses


async def tables_holding(cfg: Config, slug: str, marker: str) -> list[str]:
    """Every table of the authority's database with a row that contains ``marker``, read
    directly (not through the app)."""
    url = cfg.authority(slug).url
    found = []
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as conn:
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for (table,) in tables.fetchall():
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                if marker in repr(rows):
                    found.append(table)
        return found
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        for row in tables:
            table = row["table_name"]
            hits = await conn.fetchval(
                f'SELECT count(*) FROM "{table}" t WHERE strpos(t::text, $1) > 0',
                marker,
            )
            if hits:
                found.append(table)
    finally:
        await conn.close()
    return found


def files_holding(cfg: Config, slug: str, marker: str) -> list[str]:
    """The SQLite files (database, -wal, -shm) whose raw bytes contain ``marker``."""
    url = cfg.authority(slug).url
    if not url.startswith("sqlite://"):
        return []
    path = Path(url.removeprefix("sqlite://"))
    return [
        f.name
        for f in sorted(path.parent.glob(path.name + "*"))
        if marker.encode() in f.read_bytes()
    ]


async def test_deleted_text_leaves_every_table_and_file_after_the_purge(
    client: support.Client, users: UserFactory, settings: Settings, dbs: Config
) -> None:
    pat = await users("edinburgh", "pat")
    ctx = Context.of(pat.user, settings)
    marker = f"kxmark{uuid.uuid4().hex}"
    rid = uuid.uuid4()
    device = await Device.signed_in(client, pat)
    # Long enough to spill onto SQLite overflow pages, which a delete frees but does not wipe.
    long = "Notes from the visit. " * 400 + marker
    created = await device.push(device.make(record_id=rid, data=note_data(f"Visit {marker}", long)))
    assert statuses(created) == ["applied"]
    with tenancy.bound("edinburgh"):  # edited on the web meanwhile: the form's change path
        await changes.upsert(ctx, "note", rid, note_data(f"Visit {marker}", f"Saw {marker}"), 1)
    stale = await device.push(
        device.make(record_id=rid, data=note_data(f"Mine {marker}"), base_version=1)
    )
    assert statuses(stale) == ["conflict"]
    with tenancy.bound("edinburgh"):
        await changes.delete(ctx, "note", rid, 2)
    held = await tables_holding(dbs, "edinburgh", marker)
    assert {"note", "record_version", "sync_conflict", "applied_mutation"} <= set(held)
    if dbs.authority("edinburgh").url.startswith("sqlite://"):
        assert files_holding(dbs, "edinburgh", marker)  # the byte search can find it

    later = datetime.now(UTC) + timedelta(days=settings.offline_horizon_days + 1)
    with tenancy.bound("edinburgh"):
        purged = await purge.purge(settings.offline_horizon_days, now=later)
    assert purged.counts["note"] == 1
    assert await tables_holding(dbs, "edinburgh", marker) == []
    assert files_holding(dbs, "edinburgh", marker) == []
    with tenancy.bound("edinburgh"):  # the log still knows the mutations (no double apply)
        assert await AppliedMutation.filter(record_id=rid).count() == 2


async def test_the_scrub_keeps_what_a_person_has_not_decided_yet(
    client: support.Client, users: UserFactory, settings: Settings, dbs: Config
) -> None:
    """A recent conflict on a live record keeps its text, and a resent mutation whose log row
    was scrubbed is still answered ``duplicate``, never applied twice."""
    pat = await users("edinburgh", "pat")
    ctx = Context.of(pat.user, settings)
    rid = uuid.uuid4()
    device = await Device.signed_in(client, pat)
    await device.push(device.make(record_id=rid, data=note_data("First")))
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "note", rid, note_data("Second"), 1)
    conflicting = device.make(record_id=rid, data=note_data("Mine, unresolved"), base_version=1)
    assert statuses(await device.push(conflicting)) == ["conflict"]
    with tenancy.bound("edinburgh"):
        now = await retention.scrub(settings.offline_horizon_days)
        assert (now.conflicts_deleted, now.results_scrubbed) == (0, 0)
        later = datetime.now(UTC) + timedelta(days=settings.offline_horizon_days + 1)
        aged = await retention.scrub(settings.offline_horizon_days, now=later)
        assert (aged.conflicts_deleted, aged.results_scrubbed) == (0, 1)
        row = await AppliedMutation.get(mutation_id=conflicting["mutation_id"])
        assert "current" not in row.result and row.result["status"] == "conflict"
    resent = await device.post(
        {"client_id": str(device.client_id), "schema_version": 1, "mutations": [conflicting]}
    )
    assert [r["status"] for r in resent.json()["results"]] == ["duplicate"]
    with tenancy.bound("edinburgh"):
        kept = await Conflict.get(record_id=rid)
    assert kept.resolved_at is None and kept.payload["data"]["title"] == "Mine, unresolved"


async def test_every_sqlite_connection_runs_with_secure_delete(dbs: Config) -> None:
    for _slug in tenancy.each(dbs.slugs):
        conn = tenancy.connection()
        if conn.capabilities.dialect == "sqlite":
            rows = await conn.execute_query_dict("PRAGMA secure_delete")
            assert rows == [{"secure_delete": 1}]

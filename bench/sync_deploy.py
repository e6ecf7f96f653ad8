"""Deployments for the sync benchmark: a fresh kexpwa on SQLite or on PostgreSQL (databases
created for the run and dropped after), demo users, and raw access through the same driver the
app uses (aiosqlite, asyncpg) for the baseline inserts and the exactly-once counts."""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from bench import harness
from kexpwa import config as config_module

NOTE_COLUMNS = (
    "id, owner_id, date, time, project_id, title, body, tags, tag_text, share_lead, "
    "share_research, version, change_no, deleted_at, created_at, updated_at"
)


@dataclass(frozen=True)
class Deployment:
    backend: str
    env: dict[str, str]
    config: config_module.Config

    def url(self, slug: str = "edinburgh") -> str:
        return self.config.authority(slug).url


def _pg_server(name: str) -> str:
    server = os.environ.get(
        "KEXPWA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    return server.rsplit("/", 1)[0] + "/" + name


async def _pg_admin(*statements: str) -> None:
    conn = await asyncpg.connect(_pg_server("postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def deployment(backend: str, folder: Path) -> Iterator[Deployment]:
    """A migrated kexpwa with the demo users, on ``backend`` ("sqlite" or "postgres")."""
    import asyncio

    data = config_module.demo_data(folder)
    names: list[str] = []
    if backend == "postgres":
        tag = secrets.token_hex(4)
        for item in data["authority"]:  # type: ignore[union-attr]
            names.append(f"kx_bench_{tag}_{item['slug'].replace('-', '_')}")
            item["url"] = _pg_server(names[-1])
        names.append(f"kx_bench_{tag}_directory")
        data["directory"] = {"url": _pg_server(names[-1])}
    config_module.write(folder / "kexpwa.toml", data)
    env = harness.clean_env({"KEXPWA_DATA_DIR": str(folder)})
    try:
        harness.run_command([str(harness.BIN / "kexpwa"), "migrate"], env)
        harness.run_command([str(harness.BIN / "kexpwa"), "demo"], env)
        yield Deployment(backend, env, config_module.parse(data))
    finally:
        if names:
            asyncio.run(_pg_admin(*(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names)))


def note_row(owner: uuid.UUID, change_no: int, body: str) -> tuple[Any, ...]:
    now = datetime.now(UTC)
    return (uuid.uuid4(), owner, date(2026, 11, 20), "", None, "Bench note", body, "[]", "",
            False, False, 1, change_no, None, now, now)  # fmt: skip


async def raw_insert_notes(dep: Deployment, owner: uuid.UUID, bodies: list[str]) -> float:
    """Insert one note row per body in one transaction with the app's driver; seconds taken.
    Change numbers are taken from the counter in the same transaction, as the app does."""
    import time

    marks = ", ".join(f"${i + 1}" for i in range(16))
    insert = f"INSERT INTO note ({NOTE_COLUMNS}) VALUES ({marks})"  # noqa: S608 (constants)
    if dep.backend == "postgres":
        conn = await asyncpg.connect(dep.url())
        try:
            started = time.perf_counter()
            async with conn.transaction():
                top = await conn.fetchval(
                    "UPDATE change_counter SET value = value + $1 WHERE id = 1 RETURNING value",
                    len(bodies),
                )
                first = top - len(bodies) + 1
                rows = [note_row(owner, first + n, body) for n, body in enumerate(bodies)]
                await conn.executemany(insert, rows)
            return time.perf_counter() - started
        finally:
            await conn.close()
    path = dep.url().removeprefix("sqlite://")
    async with aiosqlite.connect(path, isolation_level=None) as db:
        started = time.perf_counter()
        await db.execute("BEGIN")
        cursor = await db.execute(
            "UPDATE change_counter SET value = value + ? WHERE id = 1 RETURNING value",
            (len(bodies),),
        )
        (top,) = await cursor.fetchone()  # type: ignore[misc]
        first = top - len(bodies) + 1
        rows = [_sqlite(note_row(owner, first + n, b)) for n, b in enumerate(bodies)]
        await db.executemany(insert.replace("$", "?").translate(_DIGITS), rows)
        await db.execute("COMMIT")
        return time.perf_counter() - started


LOG_COLUMNS = "mutation_id, client_id, seq, user_id, kind, record_id, status, result, applied_at"


async def raw_insert_logged(
    dep: Deployment, owner: uuid.UUID, bodies: list[str], chunk: int
) -> float:
    """The database floor of an exactly-once push: the same note rows as
    :func:`raw_insert_notes` plus one mutation-log row each (what makes a resend harmless),
    with the device row's seq moved and change numbers taken, in one transaction per ``chunk``
    rows (the push's commits). Seconds taken, with the app's driver."""
    import json
    import time

    client_id, now = uuid.uuid4(), datetime.now(UTC)
    result = json.dumps({"mutation_id": str(uuid.uuid4()), "status": "applied", "version": 1})
    note_sql = f"INSERT INTO note ({NOTE_COLUMNS}) VALUES ({_marks(16)})"  # noqa: S608
    log_sql = f"INSERT INTO applied_mutation ({LOG_COLUMNS}) VALUES ({_marks(9)})"  # noqa: S608
    seq_sql = "UPDATE sync_client SET last_seq = $1, last_seen_at = $2 WHERE id = $3"
    counter = "UPDATE change_counter SET value = value + $1 WHERE id = 1 RETURNING value"
    device = "INSERT INTO sync_client (id, user_id, last_seq, created_at, last_seen_at, device)"

    def rows(top: int, start: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        part = bodies[start : start + chunk]
        notes = [note_row(owner, top - len(part) + 1 + n, b) for n, b in enumerate(part)]
        logs = [
            (uuid.uuid4(), client_id, start + n + 1, owner, "note.upsert", note[0], "applied",
             result, now)
            for n, note in enumerate(notes)
        ]  # fmt: skip
        return notes, logs

    if dep.backend == "postgres":
        conn = await asyncpg.connect(dep.url())
        try:
            await conn.execute(f"{device} VALUES ($1, $2, 0, $3, $3, '')", client_id, owner, now)
            started = time.perf_counter()
            for start in range(0, len(bodies), chunk):
                async with conn.transaction():
                    await conn.execute(seq_sql, start + chunk, now, client_id)
                    notes, logs = rows(await conn.fetchval(counter, chunk), start)
                    await conn.executemany(note_sql, notes)
                    await conn.executemany(log_sql, logs)
            return time.perf_counter() - started
        finally:
            await conn.close()
    path = dep.url().removeprefix("sqlite://")
    async with aiosqlite.connect(path, isolation_level=None) as db:
        params = _sqlite((client_id, owner, now, now))
        await db.execute(f"{device} VALUES (?, ?, 0, ?, ?, '')", params)
        started = time.perf_counter()
        for start in range(0, len(bodies), chunk):
            await db.execute("BEGIN")
            await db.execute(_lite(seq_sql), _sqlite((start + chunk, now, client_id)))
            (top,) = await (await db.execute(_lite(counter), (chunk,))).fetchone()  # type: ignore[misc]
            notes, logs = rows(top, start)
            await db.executemany(_lite(note_sql), [_sqlite(r) for r in notes])
            await db.executemany(_lite(log_sql), [_sqlite(r) for r in logs])
            await db.execute("COMMIT")
        return time.perf_counter() - started


def _marks(count: int) -> str:
    return ", ".join(f"${i + 1}" for i in range(count))


def _lite(sql: str) -> str:
    """PostgreSQL's numbered parameters as SQLite's ``?``."""
    return re.sub(r"\$[0-9]+", "?", sql)


_DIGITS = str.maketrans("", "", "0123456789")


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values as Tortoise stores them in SQLite (text UUIDs and dates, 0/1 booleans)."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat(" ")
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        out.append(value)
    return tuple(out)


async def scalar(dep: Deployment, sql: str, slug: str = "edinburgh") -> Any:
    if dep.backend == "postgres":
        conn = await asyncpg.connect(dep.url(slug))
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()
    async with aiosqlite.connect(dep.url(slug).removeprefix("sqlite://")) as db:
        cursor = await db.execute(sql)
        row = await cursor.fetchone()
        return row[0] if row else None


async def user_id(dep: Deployment, username: str, slug: str = "edinburgh") -> uuid.UUID:
    value = await scalar(dep, f"SELECT id FROM \"user\" WHERE username = '{username}'", slug)  # noqa: S608
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def raw_update_notes(dep: Deployment, ids: list[uuid.UUID], bodies: list[str]) -> float:
    """Update each note's body, version and change number in one transaction, with the app's
    driver; seconds taken. The baseline of a push of edits."""
    import time

    update = (
        "UPDATE note SET body = $1, version = version + 1, change_no = $2, updated_at = $3 "
        "WHERE id = $4"
    )
    now = datetime.now(UTC)
    if dep.backend == "postgres":
        conn = await asyncpg.connect(dep.url())
        try:
            started = time.perf_counter()
            async with conn.transaction():
                top = await conn.fetchval(
                    "UPDATE change_counter SET value = value + $1 WHERE id = 1 RETURNING value",
                    len(ids),
                )
                first = top - len(ids) + 1
                rows = [
                    (b, first + n, now, i) for n, (i, b) in enumerate(zip(ids, bodies, strict=True))
                ]
                await conn.executemany(update, rows)
            return time.perf_counter() - started
        finally:
            await conn.close()
    path = dep.url().removeprefix("sqlite://")
    async with aiosqlite.connect(path, isolation_level=None) as db:
        started = time.perf_counter()
        await db.execute("BEGIN")
        cursor = await db.execute(
            "UPDATE change_counter SET value = value + ? WHERE id = 1 RETURNING value", (len(ids),)
        )
        (top,) = await cursor.fetchone()  # type: ignore[misc]
        first = top - len(ids) + 1
        rows = [
            _sqlite((b, first + n, now, i))
            for n, (i, b) in enumerate(zip(ids, bodies, strict=True))
        ]
        await db.executemany(re.sub(r"\$\d+", "?", update), rows)
        await db.execute("COMMIT")
        return time.perf_counter() - started


async def raw_read_notes(dep: Deployment, owner: uuid.UUID) -> float:
    """Read every note of ``owner`` in change order with the app's driver; seconds taken. The
    baseline of a first pull."""
    import time

    select = f"SELECT {NOTE_COLUMNS} FROM note WHERE owner_id = $1 ORDER BY change_no"  # noqa: S608
    if dep.backend == "postgres":
        conn = await asyncpg.connect(dep.url())
        try:
            started = time.perf_counter()
            await conn.fetch(select, owner)
            return time.perf_counter() - started
        finally:
            await conn.close()
    path = dep.url().removeprefix("sqlite://")
    async with aiosqlite.connect(path) as db:
        started = time.perf_counter()
        cursor = await db.execute(select.replace("$1", "?"), (str(owner),))
        await cursor.fetchall()
        return time.perf_counter() - started

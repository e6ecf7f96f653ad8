"""A session's PostgreSQL databases, reused by every test and reset between them.

Creating three databases from a template and dropping them again cost about a second a test.
Instead each test session creates one set (two authorities and a directory) from the migrated
templates, snapshots what migrating left in them (the migrations table, the change counter's row,
the sequences), and before each test puts every database back to exactly that: other
connections are ended, every table emptied and the snapshot's rows and sequence positions
restored, in one transaction per database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import asyncpg

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
SEQUENCES = (
    "SELECT sequencename, start_value, last_value FROM pg_sequences WHERE schemaname = 'public'"
)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Snapshot:
    """The SQL that turns a database of this schema back into the migrated template."""

    sql: str


async def snapshot(url: str) -> Snapshot:
    conn = await asyncpg.connect(url)
    try:
        tables = [row[0] for row in await conn.fetch(TABLES)]
        statements = ["SET LOCAL session_replication_role = replica"]  # no FK checks while reset
        if tables:
            statements.append("TRUNCATE " + ", ".join(_ident(t) for t in tables))
        for table in tables:
            rows = await conn.fetchval(f"SELECT json_agg(t) FROM {_ident(table)} t")
            if rows is None:
                continue
            statements.append(
                f"INSERT INTO {_ident(table)} SELECT * FROM json_populate_recordset("
                f"NULL::{_ident(table)}, {_literal(json.dumps(json.loads(rows)))})"
            )
        for name, start, last in await conn.fetch(SEQUENCES):
            value, called = (last, "true") if last is not None else (start, "false")
            statements.append(f"SELECT setval({_literal(_ident(name))}, {value}, {called})")
        return Snapshot(";\n".join(statements))
    finally:
        await conn.close()


async def reset(server_url: str, name: str, snap: Snapshot) -> None:
    """Put database ``name`` back to ``snap``, ending whatever else is connected to it."""
    conn = await asyncpg.connect(f"{server_url}/{name}")
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        async with conn.transaction():
            await conn.execute(snap.sql)
    finally:
        await conn.close()

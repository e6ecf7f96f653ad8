"""Each member's tallies: how many notes and journal entries (and how many shared with their
lead), and minutes of work and own time, per week of the entry's date; and, for the entry
counts, per calendar month (``note_m``, ``journal_m`` on the month's first day) and in total
(on :data:`ALL_TIME`), so that the overview reads a row per member instead of summing weeks.

The team overview and its charts read these few hundred rows instead of every entry. They are
kept by the one change path (:mod:`kexpwa.domain.changes`) inside the record's transaction,
before the change number is taken (the counter stays the last lock), and rebuilt from the
records by migration 0007 (:func:`rebuild`). What counts where is each kind's ``tally``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain.days import monday_of
from kexpwa.domain.kinds import Kind

Key = tuple[uuid.UUID, date, str]  # owner, Monday, bucket
Entry = tuple[str, date, int]  # bucket, day, minutes


def of(kind: Kind, record: Any) -> tuple[Entry, ...]:
    """What a record adds now: nothing when deleted or for a kind that is not tallied."""
    if kind.tally is None or record is None or record.deleted_at is not None:
        return ()
    return kind.tally(record)


def note_like(name: str) -> Any:
    """The tally of a kind counted as entries: one in ``name``, one more in ``name_lead``
    while shared with the lead."""

    def tally(record: Any) -> tuple[Entry, ...]:
        counted: tuple[Entry, ...] = ((name, record.date, 0),)
        if record.share_lead:
            counted += ((f"{name}_lead", record.date, 0),)
        return counted

    return tally


ALL_TIME = date(1900, 1, 1)  # the ``week`` of the all-time rows (entries are from 2000 on)
MONTHLY = frozenset({"note", "journal"})  # buckets also counted per calendar month
COUNTED = frozenset({"note", "journal", "note_lead", "journal_lead"})  # and in total


def keys_of(owner_id: uuid.UUID, bucket: str, day: date) -> list[Key]:
    """The rows an entry of ``bucket`` dated ``day`` counts in."""
    found = [(owner_id, monday_of(day), bucket)]
    if bucket in MONTHLY:
        found.append((owner_id, day.replace(day=1), f"{bucket}_m"))
    if bucket in COUNTED:
        found.append((owner_id, ALL_TIME, bucket))
    return found


def delta(
    owner_id: uuid.UUID, before: Iterable[Entry], after: Iterable[Entry]
) -> dict[Key, tuple[int, int]]:
    """The change in (entries, minutes) per key from ``before`` to ``after``."""
    counts: Counter[Key] = Counter()
    minutes: Counter[Key] = Counter()
    for sign, entries in ((-1, before), (1, after)):
        for bucket, day, mins in entries:
            for key in keys_of(owner_id, bucket, day):
                counts[key] += sign
                minutes[key] += sign * mins
    keys = set(counts) | set(minutes)
    return {k: (counts[k], minutes[k]) for k in sorted(keys) if counts[k] or minutes[k]}


def _sql(conn: BaseDBAsyncClient) -> tuple[str, bool]:
    postgres = conn.capabilities.dialect == "postgres"
    marks = "$1, $2, $3, $4, $5" if postgres else "?, ?, ?, ?, ?"
    sql = (
        "INSERT INTO week_tally (owner_id, week, bucket, entries, minutes) "  # noqa: S608
        f"VALUES ({marks}) ON CONFLICT (owner_id, week, bucket) DO UPDATE SET "
        "entries = week_tally.entries + excluded.entries, "
        "minutes = week_tally.minutes + excluded.minutes"
    )
    return sql, postgres


async def apply(
    conn: BaseDBAsyncClient, owner_id: uuid.UUID, before: Iterable[Entry], after: Iterable[Entry]
) -> None:
    """Move a record's contribution from ``before`` to ``after`` (keys in a fixed order, so
    two writers of one owner never wait on each other's rows in opposite orders)."""
    await write(conn, delta(owner_id, before, after))


async def write(conn: BaseDBAsyncClient, changes: dict[Key, tuple[int, int]]) -> None:
    """Add ``changes`` (entries, minutes) to their rows, in sorted key order (the order every
    writer takes them in). A batch of changes (``kexpwa.domain.batch.Batch``) sums its
    records' deltas and writes each row once."""
    changes = {k: v for k, v in sorted(changes.items()) if v[0] or v[1]}
    if not changes:
        return
    sql, postgres = _sql(conn)
    rows: list[list[Any]] = [
        [owner, week, bucket, entries, mins]
        if postgres
        else [str(owner), week.isoformat(), bucket, entries, mins]
        for (owner, week, bucket), (entries, mins) in changes.items()
    ]
    if len(rows) == 1:
        await conn.execute_query(sql, rows[0])
    else:  # one statement for the batch (a push touches a few weeks and buckets at once)
        await conn.execute_many(sql, rows)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def rebuild(conn: BaseDBAsyncClient) -> None:
    """Recompute every tally from the records (one GROUP BY per table), in ``conn``."""
    await conn.execute_script("DELETE FROM week_tally")
    totals: Counter[Key] = Counter()
    minutes: Counter[Key] = Counter()
    queries = (
        ("note", "SELECT owner_id, date, share_lead AS flag, COUNT(*) AS n, 0 AS m FROM note"),
        (
            "journal",
            "SELECT owner_id, date, share_lead AS flag, COUNT(*) AS n, 0 AS m FROM journal_entry",
        ),
        (
            "time",
            "SELECT owner_id, date, own_time AS flag, COUNT(*) AS n, SUM(minutes) AS m "
            "FROM time_entry",
        ),
    )
    for name, select in queries:
        rows = await conn.execute_query_dict(
            f"{select} WHERE deleted_at IS NULL GROUP BY owner_id, date, 3"
        )
        for row in rows:
            owner = uuid.UUID(str(row["owner_id"]))
            day = _day(row["date"])
            n, m, flag = int(row["n"]), int(row["m"] or 0), bool(row["flag"])
            buckets = [("own" if flag else "work")] if name == "time" else [name]
            if name != "time" and flag:
                buckets.append(f"{name}_lead")
            for bucket in buckets:
                for key in keys_of(owner, bucket, day):
                    totals[key] += n
                    minutes[key] += m
    sql, postgres = _sql(conn)
    for (owner, week, bucket), n in sorted(totals.items()):
        params: list[Any] = (
            [owner, week, bucket, n, minutes[(owner, week, bucket)]]
            if postgres
            else [str(owner), week.isoformat(), bucket, n, minutes[(owner, week, bucket)]]
        )
        await conn.execute_query(sql, params)

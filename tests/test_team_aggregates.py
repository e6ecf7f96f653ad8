"""The overview's numbers and the hours chart match a plain Python count of the same entries,
on generated data: weeks across month and year ends and the BST changes, edits that move an
entry between weeks or between work and own time, unsharing, deletes and restores. The weekly
tallies kept by the change path also equal a rebuild from the records."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise.connection import get_connection

from kexpwa import accounts, tenancy
from kexpwa.domain import changes, charts, days, tally, team
from kexpwa.domain.kinds import Context
from kexpwa.models.account import Role
from kexpwa.models.reading import WeekTally
from tests.capture_helpers import SETTINGS, domain_data

# Days around a year end, a month end, and the two clock changes of 2026.
ANCHORS = (date(2025, 12, 31), date(2026, 2, 28), date(2026, 3, 29), date(2026, 10, 25))
DAYS = st.builds(
    lambda anchor, shift: anchor + timedelta(days=shift),
    st.sampled_from(ANCHORS),
    st.integers(min_value=-9, max_value=9),
)
ENTRY = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["note", "journal", "time"]),
        "owner": st.integers(min_value=0, max_value=2),
        "date": DAYS,
        "minutes": st.integers(min_value=1, max_value=600),
        "flag": st.booleans(),  # shared with the lead (notes, journal) or own time (time)
        "then": st.sampled_from(["keep", "move", "flip", "delete", "delete_restore"]),
        "new_date": DAYS,
    }
)
counter = itertools.count()


def _data(entry: dict[str, Any], day: date, flag: bool) -> dict[str, Any]:
    if entry["kind"] == "time":
        return domain_data(
            "time", date=day.isoformat(), duration=str(entry["minutes"]), own_time=flag
        )
    return domain_data(entry["kind"], date=day.isoformat(), share_lead=flag)


async def _apply(ctx: Context, entry: dict[str, Any]) -> dict[str, Any] | None:
    """Make the entry, then change it; what is left (its final state) or None."""
    kind, rid = entry["kind"], uuid.uuid4()
    day, flag = entry["date"], entry["flag"]
    record = (await changes.upsert(ctx, kind, rid, _data(entry, day, flag), None)).record
    then = entry["then"]
    if then == "move":
        day = entry["new_date"]
        field = {"date": day.isoformat()}
        record = (await changes.upsert(ctx, kind, rid, field, record.version)).record
    elif then == "flip":
        flag = not flag
        field = {"own_time": flag} if kind == "time" else {"share_lead": flag}
        record = (await changes.upsert(ctx, kind, rid, field, record.version)).record
    elif then.startswith("delete"):
        record = (await changes.delete(ctx, kind, rid, record.version)).record
        if then == "delete":
            return None
        await changes.restore(ctx, kind, rid)
    return {**entry, "date": day, "flag": flag}


def _expected(
    final: list[dict[str, Any]], owners: list[uuid.UUID], today: date
) -> tuple[dict[Any, Any], dict[date, tuple[int, int]]]:
    first4 = days.last_weeks(today, 4)[0]
    first12 = days.last_weeks(today, 12)[0]
    rows: dict[uuid.UUID, Counter[str]] = {uid: Counter() for uid in owners}
    week: dict[date, tuple[int, int]] = {}
    for e in final:
        c = rows[owners[e["owner"]]]
        monday = e["date"] - timedelta(days=e["date"].weekday())
        if e["kind"] == "time":
            bucket = "own" if e["flag"] else "work"
            if monday >= first4:
                c[bucket] += e["minutes"]
            if first12 <= monday <= today:
                work, own = week.get(monday, (0, 0))
                week[monday] = (
                    (work, own + e["minutes"]) if e["flag"] else (work + e["minutes"], own)
                )
        else:
            c[f"total_{e['kind']}"] += 1
            c["shared"] += e["flag"]
            if e["date"].replace(day=1) == today.replace(day=1):
                c[f"month_{e['kind']}"] += 1
    return {uid: dict(c) for uid, c in rows.items()}, week


def _actual(rows: list[team.MemberRow]) -> dict[Any, Any]:
    found = {}
    for row in rows:
        values = {
            "work": row.work, "own": row.own, "shared": row.shared,
            "total_note": row.total["note"], "total_journal": row.total["journal"],
            "month_note": row.month["note"], "month_journal": row.month["journal"],
        }  # fmt: skip
        found[row.id] = {k: v for k, v in values.items() if v}
    return found


async def _tallies() -> set[tuple[str, str, str, int, int]]:
    rows = await WeekTally.all().values_list("owner_id", "week", "bucket", "entries", "minutes")
    return {(str(o), str(w), b, int(e), int(m)) for o, w, b, e, m in rows if e or m}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(ENTRY, max_size=14), today=DAYS)
async def test_overview_and_chart_match_python(
    users: Any, entries: list[dict[str, Any]], today: date
) -> None:
    run = next(counter)
    with tenancy.bound("edinburgh"):
        made = [
            await accounts.add_user(
                username=f"p{run}x{i}", password="correct horse battery",
                role=Role.PRACTITIONER, team=f"T{run}",
            )
            for i in range(3)
        ]  # fmt: skip
        owners = [u.id for u in made]
        final = []
        for entry in entries:
            left = await _apply(Context.of(made[entry["owner"]], SETTINGS), entry)
            if left is not None:
                final.append(left)
        members = {u.id: u.display_name for u in made}
        rows = await team.rows(members, today, 14)
        chart = await charts.hours_per_week(owners, today)
        kept = await _tallies()
        await tally.rebuild(get_connection(tenancy.alias("edinburgh")))
        rebuilt = await _tallies()
    expected_rows, expected_weeks = _expected(final, owners, today)
    assert _actual(rows) == {
        uid: {k: v for k, v in c.items() if v} for uid, c in expected_rows.items()
    }
    assert {b.monday: (b.work, b.own) for b in chart.bars if b.total} == {
        m: v for m, v in expected_weeks.items() if sum(v)
    }
    assert len(chart.bars) == 12 and chart.bars[-1].monday == days.monday_of(today)
    assert kept == rebuilt

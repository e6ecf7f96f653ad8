"""The team overview: one row per member of the teams the lead leads, counts and time only, at
a constant number of queries; its CSV (audited, counts and hours only), its charts, and the
practitioner's "What my team lead can see" drawn by the same partials."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tortoise.connection import get_connection

from bench.bench_lists import count_queries
from kexpwa import accounts, tenancy
from kexpwa.domain import days, team
from kexpwa.models.account import Role
from kexpwa.models.sync import SyncClient
from tests import support
from tests.capture_helpers import days_ago
from tests.conftest import Client
from tests.support import UserFactory
from tests.team_helpers import audit_actions, make
from tests.team_helpers import team as make_team


async def _overview_queries(lead_id: object) -> int:
    conn = get_connection(tenancy.alias("edinburgh"))
    with tenancy.bound("edinburgh"), count_queries(conn) as seen:
        await team.overview(lead_id, days.today(), 14)  # type: ignore[arg-type]
    return len(seen)


async def test_query_count_is_constant_in_team_size_and_entries(
    client: Client, users: UserFactory
) -> None:
    t = await make_team(users)
    await make(t.pat, "note", share_lead=True)
    few = await _overview_queries(t.lee.user.id)
    assert few == team.OVERVIEW_QUERIES
    for i in range(6):
        member = await users("edinburgh", f"m{i}", team="Leith")
        await make(member, "project", title=f"Project {i}")
        for day in range(4):
            await make(member, "note", date=days_ago(day * 9), share_lead=day % 2 == 0)
            await make(member, "journal", date=days_ago(day * 9), share_lead=True)
            await make(member, "time", date=days_ago(day * 5), own_time="true")
    many = await _overview_queries(t.lee.user.id)
    assert many == few


async def test_a_row_holds_counts_time_stage_sync_and_unread(
    client: Client, users: UserFactory
) -> None:
    t = await make_team(users)
    await make(t.pat, "project", title="Kinship carers", stage="do", substep="fieldwork")
    await make(t.pat, "note", title="Secret visit words", share_lead=False)
    await make(t.pat, "note", title="Shared visit", share_lead=True)
    await make(t.pat, "journal", title="Private reflection words", share_lead=False)
    await make(t.pat, "note", date=days_ago(70), share_lead=False)  # not this month
    await make(t.pat, "time", duration="2h", own_time="true", note="hidden note words")
    await make(t.pat, "time", duration="30", own_time="false")
    await make(t.pat, "time", date=days_ago(40), duration="5h")  # before the last 4 weeks
    await make(t.zed, "note", title="Portobello words", share_lead=True)
    with tenancy.bound("edinburgh"):
        await SyncClient.create(user_id=t.pat.user.id)
        old = await SyncClient.create(user_id=t.sam.user.id)
        await SyncClient.filter(id=old.id).update(
            last_seen_at=datetime.now(UTC) - timedelta(days=20)
        )
        _, rows = await team.overview(t.lee.user.id, days.today(), 14)
    by_name = {row.name: row for row in rows}
    assert list(by_name) == ["pat", "sam"]
    pat, sam = by_name["pat"], by_name["sam"]
    assert (pat.stage, pat.substep, pat.project) == ("do", "fieldwork", "Kinship carers")
    assert pat.stage_since is not None
    assert pat.month == {"note": 2, "journal": 1}
    assert pat.total == {"note": 3, "journal": 1}
    assert (pat.work, pat.own) == (30, 120)
    assert (pat.shared, pat.unread) == (1, 1)
    assert not pat.stale and sam.stale and sam.last_sync is not None
    await support.sign_in(client, t.lee)
    page = await client.get("/team")
    assert page.status_code == 200
    for words in ("Secret visit words", "Private reflection words", "hidden note words", "zed"):
        assert words not in page.text
    assert "Not synced for 14 days or more" in page.text
    assert 'aria-current="step"' in page.text
    assert await audit_actions() == []


async def test_csv_is_counts_and_hours_only_and_audited(client: Client, users: UserFactory) -> None:
    t = await make_team(users)
    await make(t.pat, "note", title="Secret visit words", body="Body words", share_lead=True)
    await make(t.pat, "time", duration="1h 30", own_time="true", note="hidden note words")
    await support.sign_in(client, t.lee)
    response = await client.get("/team/overview.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][0] == "Member" and [r[0] for r in rows[1:]] == ["pat", "sam"]
    pat = dict(zip(rows[0], rows[1], strict=True))
    assert pat["Notes in total"] == "1" and pat["Own hours (4 weeks)"] == "1.50"
    assert pat["Shared, unread"] == "1"
    assert "words" not in response.text.replace("Secret", "")  # no title, body or note
    assert await audit_actions() == [("team.overview_export", "team", "")]


async def test_charts_draw_svg_with_a_table_and_text(client: Client, users: UserFactory) -> None:
    t = await make_team(users)
    await make(t.pat, "project", title="Kinship", stage="analyse", substep="analysis")
    await make(t.pat, "time", duration="2h", own_time="true")
    await make(t.sam, "time", duration="1h", own_time="false")
    await make(t.zed, "time", duration="9h", own_time="false")  # another team
    await support.sign_in(client, t.lee)
    response = await client.get("/team/charts")
    assert response.status_code == 200
    html = response.text
    assert html.count("<svg") >= 2 and 'role="img"' in html and "<table" in html
    assert "1h in work time and 2h in their own time" in " ".join(html.split())
    assert "style=" not in html
    assert "Analyse: 1;" in html and "No project yet: 1" in html
    assert "9h" not in html


def _row_of(html: str, name: str) -> str:
    """The member card of ``name``, up to the line that differs by reader (who it is shared
    with)."""
    start = html.index(f'<h2 class="row-title">{name}</h2>')
    return html[start : html.index("<div><dt>Shared with", start)]


async def test_what_my_lead_sees_is_the_leads_own_row_and_list(
    client: Client, users: UserFactory
) -> None:
    t = await make_team(users)
    await make(t.pat, "project", title="Kinship", stage="plan", substep="ethics")
    await make(t.pat, "note", title="Shared with Lee", share_lead=True)
    await make(t.pat, "note", title="Kept to myself", share_lead=False)
    await make(t.pat, "time", duration="1h", own_time="true")
    await support.sign_in(client, t.pat)
    mine = await client.get("/what-my-lead-sees")
    assert mine.status_code == 200
    assert "Your team lead: lee." in mine.text
    assert "Shared with Lee" in mine.text and "Kept to myself" not in mine.text
    assert "numbers" in mine.text
    assert "2 this month, 2 in total" in mine.text  # counts include private entries
    client.cookies.clear()
    await support.sign_in(client, t.lee)
    overview = (await client.get("/team")).text
    listing = (await client.get("/team/shared")).text
    assert _row_of(mine.text, "pat") == _row_of(overview, "pat")
    assert "Shared with Lee" in listing and "Kept to myself" not in listing


async def test_research_and_admin_see_nothing(client: Client, users: UserFactory) -> None:
    await accounts.add_research_account(username="rowan", password=support.PASSWORD)
    await support.sign_in(client, ("research", "rowan", support.PASSWORD))
    for path in (
        "/team",
        "/team/shared",
        "/team/charts",
        "/team/overview.csv",
        "/what-my-lead-sees",
    ):
        assert (await client.get(path)).status_code == 403, path
    admin = await users("edinburgh", "ada", Role.ADMIN, team=None)
    client.cookies.clear()
    await support.sign_in(client, admin)
    assert (await client.get("/what-my-lead-sees")).status_code == 403

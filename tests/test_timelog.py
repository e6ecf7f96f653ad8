"""Time log pages: lenient durations with quick choices that work without JavaScript, work
time or own time, activities from settings, this week's totals, and the list."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from kexpwa.domain import queries
from kexpwa.domain.durations import QUICK_ADD, format_minutes
from tests.capture_helpers import ACTIVITY, HX, SETTINGS, TODAY, form, hidden, sign_in
from tests.conftest import Client
from tests.support import UserFactory


async def test_new_form_offers_quick_durations_without_js(
    client: Client, users: UserFactory
) -> None:
    await sign_in(client, users)
    response = await client.get("/time/new")
    assert client.template.template == "time/form.html"
    html = response.text
    assert f'data-kind="time" data-record-id="{client.template.context["record_id"]}"' in html
    assert re.search(
        r'<input id="f-duration" name="duration" type="text"[^>]*list="quick-durations"', html
    )
    quick = [format_minutes(m) for m in QUICK_ADD]
    assert quick == ["15m", "30m", "45m", "1h", "1h 30", "2h"]
    for text in quick:
        assert f'<option value="{text}"></option>' in html  # the datalist: no JS needed
        assert f'<button type="button" data-fill="{text}">' in html  # JS fills the field
    # Shown from the first paint; hidden by the style sheet's (scripting: none) without JS.
    assert 'data-quick-fill="f-duration" role="group" aria-label="Quick durations">' in html
    for activity in SETTINGS.activities:
        assert f'<option value="{activity}"' in html
    work = re.search(
        r'<input type="radio" id="f-own-time-work" name="own_time" value="false"[^>]*>', html
    )
    own = re.search(
        r'<input type="radio" id="f-own-time-own" name="own_time" value="true"[^>]*>', html
    )
    assert work and "checked" in work.group(0)  # work time unless they say otherwise
    assert own and "checked" not in own.group(0)
    assert 'name="share_note_lead" value="true"' in html


async def test_log_own_time_and_see_the_weeks_totals(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    rid = uuid.uuid4()
    response = await pat.save("time", rid, form("time", duration="1h 30", own_time="true"))
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/time"
    entry = await pat.reload("time", rid)
    assert (entry.minutes, entry.own_time, entry.activity) == (90, True, ACTIVITY)
    await pat.make("time", duration="45", own_time=False)
    monday, _ = queries.week_of(TODAY)
    if monday - timedelta(days=1) != TODAY:
        await pat.make("time", duration="2h", date=(monday - timedelta(days=1)).isoformat())

    page = await client.get("/time")
    assert client.template.template == "time/list.html"
    assert client.template.context["totals"] == {"work": 45, "own": 90, "all": 135}
    assert "HX-Request" in page.headers["vary"]
    totals = page.text.split('id="totals-title"')[1].split("</section>")[0]
    # The minutes ride along for the page, which adds entries still waiting (js/page/pending.js).
    assert '<dt>Work time</dt><dd data-total="work" data-minutes="45">45m</dd>' in totals
    assert '<dt>Own time</dt><dd data-total="own" data-minutes="90">1h 30</dd>' in totals
    assert '<dt>Total</dt><dd data-total="all" data-minutes="135">2h 15</dd>' in totals
    assert f"1h 30 · {ACTIVITY}" in page.text and "<strong>Own time</strong>" in page.text


async def test_durations_are_read_leniently(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    for typed, minutes in (("90", 90), ("1.5h", 90), ("1:15", 75), ("2 hours", 120), ("45m", 45)):
        rid = uuid.uuid4()
        assert (await pat.save("time", rid, form("time", duration=typed))).status_code == 303
        assert (await pat.reload("time", rid)).minutes == minutes


async def test_edit_shows_the_duration_as_typed_back(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    entry = await pat.make("time", duration="90")
    page = await client.get(f"/time/{entry.id}/edit")
    assert client.template.context["values"]["duration"] == "1h 30"
    assert 'value="1h 30"' in page.text and hidden(page.text, "version") == "1"
    emptied = await pat.save("time", entry.id, form("time", duration=""), version=1)
    assert emptied.status_code == 422
    assert "duration" in client.template.context["errors"]
    assert (await pat.reload("time", entry.id)).minutes == 90


async def test_deleted_time_leaves_the_totals(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    entry = await pat.make("time", duration="1h")
    deleted = await pat.post(f"/time/{entry.id}/delete", {"id": str(entry.id), "version": "1"})
    page = await client.get(deleted.headers["location"])
    assert client.template.context["totals"]["all"] == 0
    assert client.template.context["undo"].id == entry.id
    assert f"Deleted “1h {entry.activity} (work time)”." in page.text


async def test_list_filters_by_project_and_answers_htmx(client: Client, users: UserFactory) -> None:
    pat = await sign_in(client, users)
    project = await pat.make("project", title="Kinship")
    await pat.make("time", project_id=str(project.id), note="fieldwork day")
    await pat.make("time", note="other")
    response = await client.get("/time", params={"project": str(project.id)}, headers=HX)
    assert client.template.template == "time/_list.html"
    assert [e.note for e in client.template.context["page"].items] == ["fieldwork day"]
    assert "HX-Request" in response.headers["vary"]
    assert "<html" not in response.text
    empty = await client.get("/time", params={"q": "nothing"})
    assert "No time entries match" in empty.text


async def test_empty_time_log_explains_the_split(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    response = await client.get("/time")
    assert "No time logged yet" in response.text and "your own time" in response.text
    assert client.template.context["totals"] == {"work": 0, "own": 0, "all": 0}

"""Everything on the phone opens and edits offline, in real Chromium against a real server:
entries written offline and synced ones never opened online; pending rows read like saved
ones (one formatter, shared vectors) and count in the time totals; "Needs attention" speaks
in the form's own words."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import device
from tests.browser.conftest import LiveServer, Phone, new_phone, sign_in

pytestmark = pytest.mark.browser

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "format.json").read_text())
WARM = ("/", "/notes", "/notes/offline-edit", "/time", "/time/offline-edit", "/attention")


@pytest.fixture(scope="module")
def server(module_server: LiveServer) -> LiveServer:
    return module_server


@pytest.fixture
def phone(browser: Browser, server: LiveServer) -> Iterator[Phone]:
    context = new_phone(browser)
    try:
        yield Phone(context, context.new_page())
    finally:
        context.set_offline(False)
        if server.process is None or server.process.poll() is not None:
            server.start()  # a failed test may leave it stopped
        context.close()


def start(page: Page, server: LiveServer, username: str) -> None:
    sign_in(page, server, username=username)
    device.wait_for_worker(page)
    device.wait_cached(page, *WARM)


def open_row(page: Page, title: str) -> None:
    """Tap a row of the list by its title, as a person would."""
    page.locator("[data-list-kind] li", has_text=title).get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/edit$"))


def note(server: LiveServer, title: str) -> list[tuple[Any, ...]]:
    return device.rows(
        server,
        "SELECT id, title, body, version, deleted_at IS NOT NULL FROM note WHERE title = ?",
        (title,),
    )


def test_a_note_written_offline_opens_edits_deletes_and_undoes_offline(
    phone: Phone, server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    start(page, server, "pat")
    device.go_offline(context, server)
    page.goto(server.url + "/notes/new")
    device.fill_note(page, "Car park thoughts", "First words.")
    device.save(page)

    open_row(page, "Car park thoughts")
    expect(device.field(page, "title")).to_have_value("Car park thoughts")
    expect(device.field(page, "body")).to_have_value("First words.")
    assert device.axe_violations(page) == []
    device.field(page, "body").fill("First words. Then more at the next stop.")
    device.save(page)

    open_row(page, "Car park thoughts")
    expect(device.field(page, "body")).to_have_value("First words. Then more at the next stop.")
    device.field(page, "title").fill("Car park and after")
    device.save(page)

    open_row(page, "Car park and after")
    page.click("form[data-delete-kind] button[type=submit]")
    page.wait_for_url(re.compile(r".*/notes$"))
    row = page.locator("[data-list-kind] li", has_text="Car park and after")
    expect(row).to_contain_text("Deleted · waiting to sync")
    row.get_by_role("button", name="Undo").click()
    page.wait_for_load_state()
    row = page.locator("[data-list-kind] li", has_text="Car park and after")
    expect(row).to_contain_text("Waiting to sync")
    expect(row).not_to_contain_text("Deleted")
    assert device.counts(page)["pending"] == 5

    device.go_online(context, server)
    device.sync_now(page)
    device.wait_all_synced(page)
    rows = note(server, "Car park and after")
    assert [r[1:] for r in rows] == [
        ("Car park and after", "First words. Then more at the next stop.", 5, 0)
    ]
    assert note(server, "Car park thoughts") == []
    assert page.request.get(server.url + "/sync/conflicts").json()["conflicts"] == []
    assert device.counts(page) == {"pending": 0, "attention": 0, "drafts": 0}


def test_a_synced_note_never_opened_online_edits_offline(phone: Phone, server: LiveServer) -> None:
    page, context = phone.page, phone.context
    start(page, server, "sam")
    page.goto(server.url + "/notes/new")
    device.fill_note(page, "Written online", "As it was.")
    device.save(page)
    device.wait_all_synced(page)
    [(note_id, *_)] = note(server, "Written online")
    device.poll(  # the pull brought it into the device's copy
        page,
        "async (key) => !!(await kxStore.tx(['records'], 'readonly',"
        " t => kxStore.get(t.objectStore('records'), key)))",
        f"note:{uuid.UUID(note_id)}",
    )

    device.go_offline(context, server)
    page.goto(f"{server.url}/notes/{uuid.UUID(note_id)}/edit")
    expect(page.locator("h1")).to_have_text("Edit note")
    expect(device.field(page, "title")).to_have_value("Written online")
    expect(device.field(page, "body")).to_have_value("As it was.")
    device.field(page, "body").fill("As it was, and what came after.")
    device.save(page)
    expect(page.locator("[data-list-kind] li", has_text="Written online")).to_contain_text(
        "Waiting to sync"
    )

    device.go_online(context, server)
    device.sync_now(page)
    device.wait_all_synced(page)
    assert [r[2:] for r in note(server, "Written online")] == [
        ("As it was, and what came after.", 2, 0)
    ]
    assert device.counts(page)["attention"] == 0


def test_pending_rows_read_like_saved_ones_and_count_in_the_totals(
    phone: Phone, server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    start(page, server, "pat")
    # The one client formatter agrees with the server's filters (tests/test_format_vectors.py).
    got = page.evaluate(
        "(v) => ({duration: v.duration.map(([m]) => kx.format.duration(m)),"
        " day: v.day.map(([d]) => kx.format.day(d))})",
        VECTORS,
    )
    assert got == {
        "duration": [text for _, text in VECTORS["duration"]],
        "day": [text for _, text in VECTORS["day"]],
    }

    page.goto(server.url + "/time")
    own = page.locator("[data-total=own]")
    before = int(own.get_attribute("data-minutes") or 0)
    device.go_offline(context, server)
    page.goto(server.url + "/time/new")
    today = device.field(page, "date").input_value()
    device.field(page, "duration").fill("1h 30")
    device.field(page, "activity").select_option(index=1)
    activity = device.field(page, "activity").input_value()
    page.check("#f-own-time-own")
    device.save(page)

    row = page.locator("[data-list-kind] li.pending-row").first
    expect(row.locator("h2 a")).to_have_text(f"1h 30 · {activity}")
    shown_day = page.evaluate("(d) => kx.format.day(d)", today)
    expect(row.locator(".meta")).to_have_text(f"{shown_day} · Own time")
    expected = page.evaluate("(m) => kx.format.duration(m)", before + 90)
    expect(own).to_have_text(expected)
    device.go_online(context, server)
    device.sync_now(page)
    device.wait_all_synced(page)
    # The server's row, once synced, reads the same.
    page.goto(server.url + "/time")
    saved = page.locator("[data-list-kind] li", has_text=activity).first
    expect(saved.locator(".meta")).to_contain_text(shown_day)
    expect(page.locator("[data-total=own]")).to_have_text(expected)


def test_needs_attention_speaks_in_the_forms_words(phone: Phone, server: LiveServer) -> None:
    page, context = phone.page, phone.context
    start(page, server, "sam")
    page.goto(server.url + "/time/new")
    device.field(page, "duration").fill("45")
    device.field(page, "note").fill("Read the Gibbs chapter")
    device.field(page, "activity").select_option(index=2)
    activity = device.field(page, "activity").input_value()
    day = device.field(page, "date").input_value()
    device.save(page)
    device.wait_all_synced(page)
    [(time_id,)] = device.rows(
        server, "SELECT id FROM time_entry WHERE note = 'Read the Gibbs chapter'"
    )
    # Another device changed it meanwhile: this one's edit is based on a version it never saw.
    page.evaluate(
        "([id, data]) => kxStore.enqueue('time', 'upsert', id, data, 0, {base_version: null})",
        [str(uuid.UUID(time_id)), {"duration": "1h 30", "note": "Mine", "date": day}],
    )
    device.sync_now(page)
    device.wait_all_synced(page)
    assert device.counts(page)["attention"] == 1

    device.go_offline(context, server)
    page.goto(server.url + "/attention")
    item = page.locator("#tray li").first
    shown_day = page.evaluate("(d) => kx.format.day(d)", day)
    expect(item.locator("h2")).to_have_text(f"Time entry: {shown_day} · 1h 30 · {activity}")
    expect(item.locator("h3")).to_have_text(["This device", "The server"])
    compare = item.locator(".compare")
    expect(compare).to_contain_text("How long")
    expect(compare).to_contain_text("45m")
    expect(compare).to_contain_text("In work time")
    expect(compare.locator("dd", has_text=shown_day)).to_have_count(2)
    expect(compare).not_to_contain_text("own_time")
    expect(compare).not_to_contain_text("own time")
    assert device.axe_violations(page) == []
    item.get_by_role("button", name="Merge by hand").click()
    editor = page.locator("#tray form")
    expect(editor.get_by_label("How long")).to_have_value("1h 30")
    expect(editor.get_by_label("Short note")).to_have_value("Mine")
    expect(editor).to_contain_text("The server has: 45m")
    expect(editor).not_to_contain_text("duration")
    assert device.axe_violations(page) == []


def test_a_journal_entry_written_offline_opens_in_its_templates_form(
    phone: Phone, server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    start(page, server, "pat")
    device.wait_cached(page, "/journal", "/journal/new?template=gibbs")
    device.wait_cached(page, "/journal/offline-edit?template=gibbs")
    device.go_offline(context, server)
    page.goto(server.url + "/journal/new?template=gibbs")
    device.field(page, "title").fill("Landing reflection")
    device.field(page, "sections.description").fill("Waited on the landing.")
    device.save(page)

    open_row(page, "Landing reflection")
    expect(device.field(page, "sections.description")).to_have_value("Waited on the landing.")
    expect(page.locator("form[data-kind] [name=template]")).to_have_value("gibbs")
    device.field(page, "sections.feelings").fill("Uneasy, then calmer.")
    device.save(page)

    device.go_online(context, server)
    device.sync_now(page)
    device.wait_all_synced(page)
    [(sections, version)] = device.rows(
        server,
        "SELECT sections, version FROM journal_entry WHERE title = 'Landing reflection'",
    )
    assert version == 2
    saved = json.loads(sections)
    assert saved["description"] == "Waited on the landing."
    assert saved["feelings"] == "Uneasy, then calmer."

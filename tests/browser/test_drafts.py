"""Drafts per form (issue 10, items 2 and 3), in real Chromium against a real server: two
unfinished new entries never share a draft, "Unfinished entries" on the home page leads back to
each, discarding can be undone, and a browser killed 50 ms after the last keystroke loses
nothing."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser import device
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, LiveServer, new_phone, sign_in

pytestmark = pytest.mark.browser

FOOK = "/journal/new?template=fook_gardner"
QUICK = "/journal/new?template=quick"


@pytest.fixture(scope="module")
def server(module_server: LiveServer) -> LiveServer:
    return module_server


def drafts_are(page: Page, n: int) -> None:
    device.poll(page, f"async () => (await window.kxStore.counts()).drafts === {n}")


def unfinished(page: Page) -> Locator:
    return page.locator("#unfinished [data-unfinished] > li")


def journal_sections(server: LiveServer, tag: str) -> list[tuple[str, dict[str, str]]]:
    found = device.rows(
        server, "SELECT template, sections FROM journal_entry WHERE sections LIKE ?", (f"%{tag}%",)
    )
    return sorted((template, json.loads(sections)) for template, sections in found)


def test_two_new_journal_entries_keep_their_own_drafts(
    browser: Browser, server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    incident = f"Waited in the stairwell for the family {tag}; the door stayed shut."
    thought = f"Felt rushed at the door {tag}"
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        page.goto(server.url + FOOK)
        device.field(page, "title").fill(f"Stairwell {tag}")
        device.field(page, "sections.incident").fill(incident)
        drafts_are(page, 1)

        # A quick note opened next starts empty: the Fook & Gardner draft is not offered in it.
        page.goto(server.url + QUICK)
        expect(device.field(page, "sections.note")).to_have_value("")
        expect(device.field(page, "title")).to_have_value("")
        device.field(page, "sections.note").fill(thought)
        drafts_are(page, 2)

        # A second new Fook & Gardner form is a new entry; it links to the unfinished one.
        page.goto(server.url + FOOK)
        expect(device.field(page, "sections.incident")).to_have_value("")
        expect(page.locator(".draft-others a")).to_have_count(1)
        assert device.axe_violations(page) == []
        page.locator(".draft-others a").click()  # only the fragment changes: #draft=<id>
        expect(device.field(page, "sections.incident")).to_have_value(incident)
        expect(page.locator(".draft-note")).to_contain_text("Draft restored")
        assert device.axe_violations(page) == []

        page.goto(server.url + "/")
        rows = unfinished(page)
        expect(rows).to_have_count(2)
        fook = rows.filter(has_text="Critical reflection (Fook & Gardner)")
        quick = rows.filter(has_text="Quick note in the moment")
        expect(fook).to_contain_text(f"Stairwell {tag}")
        expect(quick).to_contain_text("Felt rushed at the door")
        assert device.axe_violations(page) == []

        # Finish the quick note first (as in the issue): the other draft must survive it.
        quick.get_by_role("link").click()
        expect(device.field(page, "sections.note")).to_have_value(thought)
        expect(page.locator(".draft-note")).to_contain_text("Draft restored")
        device.save(page)
        drafts_are(page, 1)
        page.goto(server.url + "/")
        expect(unfinished(page)).to_have_count(1)
        unfinished(page).first.get_by_role("link").click()
        expect(device.field(page, "title")).to_have_value(f"Stairwell {tag}")
        expect(device.field(page, "sections.incident")).to_have_value(incident)
        device.save(page)
        drafts_are(page, 0)

        device.sync_now(page)
        device.wait_all_synced(page)
        saved = journal_sections(server, tag)
        assert [template for template, _ in saved] == ["fook_gardner", "quick"]
        assert saved[0][1]["incident"] == incident and thought not in json.dumps(saved[0][1])
        assert saved[1][1] == {"note": thought}
        page.goto(server.url + "/")
        expect(page.locator("#unfinished")).to_be_hidden()
    finally:
        context.close()


def test_discarding_an_unfinished_entry_can_be_undone(browser: Browser, server: LiveServer) -> None:
    tag = uuid.uuid4().hex[:8]
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        page.goto(server.url + "/notes/new")
        device.fill_note(page, f"Discard me {tag}", "Half a thought about the visit.")
        drafts_are(page, 1)
        page.goto(server.url + "/")
        if "/login" in page.url:  # the session cookie may not have outlived the crash
            sign_in(page, server)
        row = unfinished(page)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("New fieldwork note")
        row.get_by_role("button", name="Discard").click()
        expect(row).to_contain_text("Draft discarded")
        expect(page.locator("#status")).to_have_text("Draft discarded.")
        drafts_are(page, 0)

        row.get_by_role("button", name="Undo").click()
        expect(row.get_by_role("link")).to_be_focused()
        drafts_are(page, 1)
        row.get_by_role("link").click()
        expect(device.field(page, "title")).to_have_value(f"Discard me {tag}")

        page.goto(server.url + "/")
        unfinished(page).get_by_role("button", name="Discard").click()
        drafts_are(page, 0)
        page.reload()
        expect(page.locator("#unfinished")).to_be_hidden()
    finally:
        context.close()


def _kill_browser(profile: Path) -> int:
    """SIGKILL every Chromium process running on this profile (only the ones this test
    launched use it); returns how many there were."""
    flag = f"--user-data-dir={profile}".encode()
    killed = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if flag in argv:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


def test_a_browser_killed_50_ms_after_typing_keeps_every_character(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    body = f"Mum said the heating is fixed now; check the boiler note {tag}."
    profile = tmp_path / "profile"
    launch = {"executable_path": str(CHROMIUM), "args": LAUNCH_ARGS, **PHONE}
    context = browser.browser_type.launch_persistent_context(profile, **launch)
    page = context.new_page()
    sign_in(page, server)
    page.goto(server.url + "/notes/new")
    device.field(page, "title").fill(f"Boiler {tag}")
    device.field(page, "body").press_sequentially(body, delay=15)
    time.sleep(0.05)
    assert _kill_browser(profile) > 0  # the phone dies: no pagehide, no shutdown
    with contextlib.suppress(PlaywrightError):  # the browser is already gone
        context.close()

    context = browser.browser_type.launch_persistent_context(profile, **launch)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(server.url + "/")
        if "/login" in page.url:  # the session cookie may not have outlived the crash
            sign_in(page, server)
        row = unfinished(page)
        expect(row).to_have_count(1)
        row.get_by_role("link").click()
        expect(device.field(page, "body")).to_have_value(body)
        expect(device.field(page, "title")).to_have_value(f"Boiler {tag}")
    finally:
        context.close()


LEGACY_DRAFT = """async (title) => kxStore.tx(['drafts'], 'readwrite', (t) => {
    t.objectStore('drafts').put({key: 'note:new', kind: 'note', path: '/notes/new',
        saved: Date.now(), fields: {title: title, body: 'Written before the update.'}});
})"""


def test_a_draft_from_before_drafts_were_per_form_is_listed_and_opens(
    browser: Browser, server: LiveServer
) -> None:
    title = f"Old draft {uuid.uuid4().hex[:8]}"
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        device.poll(page, "async () => !!(await window.kxStore.counts())")
        page.evaluate(LEGACY_DRAFT, title)  # the one shared slot of earlier versions
        page.reload()
        row = unfinished(page)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(title)
        row.get_by_role("link").click()
        expect(device.field(page, "title")).to_have_value(title)
        expect(device.field(page, "body")).to_have_value("Written before the update.")
    finally:
        context.close()

"""The offline promise, in real Chromium against a real server: entries written with no signal
are kept on the device, survive the browser closing, and reach the server exactly once."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import device, steps
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, LiveServer, Phone, sign_in
from tests.browser.proxy import LossyProxy
from tests.browser.steps import PlaywrightTab

pytestmark = pytest.mark.browser


# The story's steps shared with the WebKit tests (tests/webkit/): the same code, through
# Playwright here.
def start(page: Page, server: LiveServer, username: str = "pat") -> None:
    steps.start(PlaywrightTab(page), server, username=username)


def new_note(page: Page, server: LiveServer, title: str) -> None:
    steps.new_note(PlaywrightTab(page), server, title)


def note_ids(server: LiveServer) -> dict[str, str]:
    return {t: i for t, i in device.rows(server, "SELECT title, id FROM note")}


def test_offline_capture_then_sync(phone: Phone, live_server: LiveServer) -> None:
    page, context = phone.page, phone.context
    start(page, live_server)
    new_note(page, live_server, "Base A")
    new_note(page, live_server, "Base B")
    device.wait_all_synced(page)
    ids = note_ids(live_server)
    for title in ("Base A", "Base B"):  # seen online, so their edit pages are on the device
        page.goto(f"{live_server.url}/notes/{ids[title]}/edit")

    device.go_offline(context, live_server)
    new_note(page, live_server, "Offline one")
    new_note(page, live_server, "Offline two")
    page.goto(live_server.url + "/journal/new?template=gibbs")
    device.field(page, "title").fill("Stairwell reflection")
    device.field(page, "sections.description").fill("Waited for the family in the stairwell.")
    device.save(page)
    page.goto(live_server.url + "/time/new")
    device.field(page, "duration").fill("1h 30")
    device.field(page, "activity").select_option(index=1)
    page.check("#f-own-time-own")
    device.save(page)
    page.goto(f"{live_server.url}/notes/{ids['Base A']}/edit")
    device.field(page, "title").fill("Base A, edited offline")
    device.save(page)
    page.goto(f"{live_server.url}/notes/{ids['Base B']}/edit")
    page.click("form[data-delete-kind] button[type=submit]")
    device.saved_on_device(page)  # offline, so no sync reloads the list under us

    page.goto(live_server.url + "/notes")
    listed = page.locator("[data-list-kind=note]")
    for title in ("Offline one", "Offline two"):
        row = listed.locator("li", has_text=title)
        expect(row).to_contain_text("Waiting to sync")
    expect(listed.locator(f'[data-record-id="{ids["Base A"]}"]')).to_contain_text("Waiting to sync")
    expect(listed.locator(f'[data-record-id="{ids["Base B"]}"]')).to_contain_text("Deleted")
    queued = page.evaluate(
        "async () => (await kxStore.tx(['outbox'], 'readonly',"
        " t => kxStore.all(t.objectStore('outbox')))).map(m => m.kind)"
    )
    assert len(queued) == 6, queued
    expect(page.locator("#sync-status")).to_contain_text("6 entries waiting to sync")

    device.go_online(context, live_server)
    device.sync_now(page)
    device.wait_all_synced(page)
    notes = {
        title: (version, deleted)
        for title, version, deleted in device.rows(
            live_server, "SELECT title, version, deleted_at IS NOT NULL FROM note"
        )
    }
    assert notes["Offline one"] == (1, 0) and notes["Offline two"] == (1, 0)
    assert notes["Base A, edited offline"] == (2, 0)
    assert notes["Base B"] == (2, 1)
    assert "Base A" not in notes
    assert device.rows(live_server, "SELECT count(*) FROM note WHERE title LIKE 'Offline%'") == [
        (2,)
    ]
    assert device.rows(
        live_server, "SELECT sections FROM journal_entry WHERE title = 'Stairwell reflection'"
    )
    assert device.rows(
        live_server, "SELECT minutes, own_time FROM time_entry ORDER BY created_at DESC LIMIT 1"
    ) == [(90, 1)]


def test_durability_across_a_browser_restart(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    launch = {"executable_path": str(CHROMIUM), "args": LAUNCH_ARGS, **PHONE}
    context = browser.browser_type.launch_persistent_context(profile, **launch)
    page = context.new_page()
    start(page, live_server)
    device.go_offline(context, live_server)
    for n in range(30):
        new_note(page, live_server, f"Visit {n:02d}")
    page.goto(live_server.url + "/notes/new")
    device.fill_note(page, "Visit 30, unfinished", "Half a thought")
    device.poll(page, "async () => (await window.kxStore.counts()).drafts === 1")
    context.close()  # the phone dies mid-typing

    context = browser.browser_type.launch_persistent_context(profile, **launch)
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live_server.url + "/notes/new")  # a new form; it links to the unfinished one
    page.locator(".draft-others a").click()
    expect(device.field(page, "title")).to_have_value("Visit 30, unfinished")
    expect(page.locator(".draft-note")).to_contain_text("Draft restored")
    assert device.counts(page)["pending"] == 30

    context.set_offline(False)
    live_server.start()
    device.sync_now(page)
    device.wait_all_synced(page, timeout=60_000)
    assert device.rows(live_server, "SELECT count(*) FROM note WHERE title LIKE 'Visit %'") == [
        (30,)
    ]
    assert device.rows(
        live_server, "SELECT count(DISTINCT title) FROM note WHERE title LIKE 'Visit %'"
    ) == [(30,)]
    assert device.counts(page)["drafts"] == 1
    context.close()


def test_conflict_between_two_devices_merged_by_hand(
    browser: Browser, live_server: LiveServer
) -> None:
    from tests.browser.conftest import new_phone

    one, two = new_phone(browser), new_phone(browser)
    page1, page2 = one.new_page(), two.new_page()
    start(page1, live_server)
    new_note(page1, live_server, "Shared draft")
    device.wait_all_synced(page1)
    note_id = note_ids(live_server)["Shared draft"]
    edit = f"{live_server.url}/notes/{note_id}/edit"
    page1.goto(edit)
    start(page2, live_server)
    page2.goto(edit)

    device.go_offline(one, live_server)
    two.set_offline(True)
    page1.goto(edit)
    device.field(page1, "body").fill("Phone one's wording")
    device.save(page1)
    page2.goto(edit)
    device.field(page2, "body").fill("Phone two's wording")
    device.save(page2)

    device.go_online(one, live_server)
    device.sync_now(page1)
    device.wait_all_synced(page1)
    two.set_offline(False)
    device.sync_now(page2)
    device.wait_all_synced(page2)
    assert device.counts(page2)["attention"] == 1

    page2.goto(live_server.url + "/attention")
    item = page2.locator("#tray li").first
    expect(item).to_contain_text("Phone one's wording")
    expect(item).to_contain_text("Phone two's wording")
    # The losing text is kept on the server, retrievable by its owner.
    kept = page2.request.get(live_server.url + "/sync/conflicts").json()["conflicts"]
    assert any(c["data"].get("body") == "Phone two's wording" for c in kept)

    item.get_by_role("button", name="Merge by hand").click()
    page2.locator("#tray textarea[name=body]").fill("Both phones' wording, merged")
    page2.get_by_role("button", name="Save and send").click()
    device.sync_now(page2)
    device.wait_all_synced(page2)
    body = [
        b for (b,) in device.rows(live_server, "SELECT body FROM note WHERE title = 'Shared draft'")
    ]
    assert body == ["Both phones' wording, merged"]
    assert device.counts(page2)["attention"] == 0
    one.close()
    two.close()


def test_rejected_entry_goes_to_the_tray_and_later_ones_sync(
    phone: Phone, live_server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    start(page, live_server)
    device.go_offline(context, live_server)
    page.goto(live_server.url + "/notes/new")
    device.fill_note(page, "Too far ahead")
    # What only the server can know: the phone checks the form's own rules (checks.js), not
    # whether a project still exists; one that has gone since the form was cached.
    page.evaluate(
        "(id) => { const o = new Option('Gone project', id);"
        " document.querySelector('form[data-kind] [name=project_id]').add(o); }",
        "00000000-0000-4000-8000-000000000000",
    )
    device.field(page, "project_id").select_option("00000000-0000-4000-8000-000000000000")
    device.save(page)
    new_note(page, live_server, "Fine afterwards")
    device.go_online(context, live_server)
    device.sync_now(page)
    device.wait_all_synced(page)
    assert device.counts(page)["attention"] == 1
    assert device.rows(
        live_server, "SELECT count(*) FROM note WHERE title = 'Fine afterwards'"
    ) == [(1,)]
    assert device.rows(live_server, "SELECT count(*) FROM note WHERE title = 'Too far ahead'") == [
        (0,)
    ]
    expect(page.locator("#sync-status .sync-attention")).to_contain_text(
        "1 entry needs your attention"
    )
    page.goto(live_server.url + "/attention")
    expect(page.locator("#tray")).to_contain_text("not found")
    assert device.axe_violations(page) == []


def test_sign_out_warns_then_wipes_and_the_next_user_sees_nothing(
    phone: Phone, live_server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    start(page, live_server)
    device.go_offline(context, live_server)
    new_note(page, live_server, "Pat's private note")
    context.set_offline(False)  # back online, but the server is still unreachable
    page.click("form[data-signout] button")
    warning = page.locator("#signout-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("1 entry has")
    live_server.start()
    warning.get_by_role("button", name="Sign out and lose them").click()
    page.wait_for_url(re.compile(r".*/login$"))
    device.wait_wiped(page)
    assert device.idb_dump(page) == {"databases": 0, "page_caches": 0}
    sign_in(page, live_server, username="sam")
    device.wait_for_worker(page)
    assert device.counts(page)["pending"] == 0
    page.goto(live_server.url + "/notes")
    expect(page.locator("main")).not_to_contain_text("Pat's private note")


def test_worker_update_keeps_the_queue(phone: Phone, live_server: LiveServer) -> None:
    page, context = phone.page, phone.context
    start(page, live_server)
    device.go_offline(context, live_server)
    new_note(page, live_server, "Queued before the update")
    new_note(page, live_server, "Also queued")
    context.set_offline(False)
    live_server.stop()
    live_server.settings["KEXPWA_BUILD_ID"] = "second-release"
    live_server.start()
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    banner = page.locator("#kx-banner")
    expect(banner).to_contain_text("new version", timeout=20_000)
    banner.get_by_role("button", name="Update now").click()
    page.wait_for_load_state()
    device.sync_now(page)
    device.wait_all_synced(page)
    assert device.rows(
        live_server,
        "SELECT count(*) FROM note WHERE title IN ('Queued before the update', 'Also queued')",
    ) == [(2,)]


def test_flaky_network_and_a_killed_server_deliver_exactly_once(
    phone: Phone, live_server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    proxy = LossyProxy(live_server.port).start()
    via = SimpleNamespace(url=proxy.url)  # the phone only ever talks to the proxy
    try:
        start(page, via)  # type: ignore[arg-type]
        device.go_offline(context, live_server)
        for n in range(10):
            new_note(page, via, f"Flaky {n:02d}")  # type: ignore[arg-type]
        # 1. The server commits but the answer is lost, twice; the retries are duplicates.
        proxy.drops_left = 2
        device.go_online(context, live_server)
        device.sync_now(page)
        device.wait_all_synced(page, timeout=60_000)
        assert proxy.dropped == 2

        # 2. The server is killed in the middle of a batch, then comes back.
        device.go_offline(context, live_server)
        for n in range(10, 20):
            new_note(page, via, f"Flaky {n:02d}")  # type: ignore[arg-type]

        def kill_soon() -> None:
            time.sleep(0.05)
            live_server.kill()

        proxy.after_forward = kill_soon
        device.go_online(context, live_server)
        device.sync_now(page)
        live_server.process.wait(timeout=30)  # type: ignore[union-attr]
        live_server.start()
        device.sync_now(page)
        device.wait_all_synced(page, timeout=60_000)
    finally:
        proxy.close()
    titles = device.rows(live_server, "SELECT title FROM note WHERE title LIKE 'Flaky %'")
    assert sorted(t for (t,) in titles) == [f"Flaky {n:02d}" for n in range(20)]
    assert device.counts(page)["attention"] == 0


def test_cold_offline_start_serves_the_app_from_the_device(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    launch = {"executable_path": str(CHROMIUM), "args": LAUNCH_ARGS, **PHONE}
    context = browser.browser_type.launch_persistent_context(profile, **launch)
    page = context.pages[0] if context.pages else context.new_page()
    start(page, live_server)
    installability = context.new_cdp_session(page).send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == []
    device.go_offline(context, live_server)
    new_note(page, live_server, "Written in the car park")
    context.close()

    context = browser.browser_type.launch_persistent_context(profile, **launch)
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(request.url.split("/")[2]))
    for path, expected in (
        ("/", "Hello"),
        ("/notes/new", "Save note"),
        ("/time/new", "Save time"),
        ("/journal/new?template=gibbs", "Description"),
        ("/notes", "Written in the car park"),
        ("/attention", "Needs attention"),
        ("/somewhere/never/visited", "You are offline"),
    ):
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_contain_text(expected)
        if path == "/notes":
            expect(page.locator("[data-list-kind=note]")).to_contain_text("Waiting to sync")
        violations = device.axe_violations(page)
        assert violations == [], (path, violations)
    assert origins == {f"127.0.0.1:{live_server.port}"}
    context.close()


def test_the_form_scripts_load_only_with_a_form_which_saves_online_and_offline(
    phone: Phone, live_server: LiveServer
) -> None:
    """js/form.js (the checks, the identifier scan, the save) is loaded by the pages with a
    capture form only (issue 17: less to parse on home and the lists); a form page still
    checks and saves, online and offline from the worker's cache, where form.js comes from its
    precache."""
    page, context = phone.page, phone.context
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    start(page, live_server)
    for path in ("/", "/notes", "/attention"):
        asked.clear()
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert not [u for u in asked if "/static/js/form.js" in u], path
        assert page.evaluate("() => !!kx.status && kx.checks === undefined"), path

    new_note(page, live_server, "Saved with signal")
    device.wait_all_synced(page)
    assert device.rows(live_server, "SELECT count(*) FROM note WHERE title = 'Saved with signal'")[
        0
    ] == (1,)

    device.go_offline(context, live_server)
    asked.clear()
    page.goto(live_server.url + "/notes/new")
    assert [u for u in asked if "/static/js/form.js" in u]
    assert page.evaluate("() => typeof kx.checks.run === 'function'")
    page.click("form[data-kind] button[type=submit]")  # empty: refused on the phone
    expect(page.locator(".error-summary")).to_be_visible()
    device.fill_note(page, "Saved with no signal")
    device.save(page)
    row = page.locator("[data-list-kind=note] li", has_text="Saved with no signal")
    expect(row).to_contain_text("Waiting to sync")
    device.go_online(context, live_server)
    device.sync_now(page)
    device.wait_all_synced(page)
    assert device.rows(
        live_server, "SELECT count(*) FROM note WHERE title = 'Saved with no signal'"
    ) == [(1,)]

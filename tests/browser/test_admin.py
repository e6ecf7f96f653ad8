"""A council admin in real Chromium: revoking a phone that is offline with entries queued
(issue 13, Chromium test 1), and axe finding no WCAG 2.2 AA violation on any admin page (nor on
"Signed-in devices" and "Change password") at 360 px and at 1280 px.

Chromium test 2 (an expired session signs in again as the same person and its queue syncs) is
test_shared_phone.py's ``test_a_queue_is_only_sent_by_its_writer``: A's session ends without
"Sign out" (its cookie goes, as when it expires; the server says ``unauthenticated``), and when A
signs in again A's queued entry syncs exactly once.
"""

from __future__ import annotations

import re
import sqlite3
import uuid

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser import device
from tests.browser.conftest import LiveServer, new_phone, sign_in

pytestmark = pytest.mark.browser
WARM = ("/", "/notes", "/notes/new")


def _new_note(page: Page, server: LiveServer, title: str) -> None:
    page.goto(server.url + "/notes/new")
    device.fill_note(page, title)
    device.save(page)
    page.wait_for_url(re.compile(r".*/notes$"))


def _cut_off(context: BrowserContext) -> None:
    """No signal for this phone only: its page's and its worker's requests fail, while the
    server keeps serving the admin."""

    def abort(route: Route) -> None:
        route.abort("internetdisconnected")

    context.route("**/*", abort)
    context.set_offline(True)


def _back_online(context: BrowserContext) -> None:
    context.unroute_all(behavior="ignoreErrors")
    context.set_offline(False)


def _titles(server: LiveServer) -> set[str]:
    return {title for (title,) in device.rows(server, "SELECT title FROM note")}


def test_a_revoked_phone_offline_with_two_queued_entries_is_wiped_and_sends_nothing(
    browser: Browser, live_server: LiveServer
) -> None:
    phone = new_phone(browser)
    admin = new_phone(browser)
    try:
        page = phone.new_page()
        sign_in(page, live_server, username="pat")
        device.wait_for_worker(page)
        device.wait_cached(page, *WARM)
        _new_note(page, live_server, "Written before the phone was lost")
        device.wait_all_synced(page)  # the phone is now one of Pat's devices
        assert device.idb_dump(page)["databases"] == 1

        _cut_off(phone)
        _new_note(page, live_server, "Queued one QXA")
        _new_note(page, live_server, "Queued two QXB")
        assert device.counts(page)["pending"] == 2

        office = admin.new_page()
        sign_in(office, live_server, username="ada")
        office.get_by_role("link", name="People").first.click()
        office.get_by_role("link", name="Pat Morrison").click()
        office.get_by_role("link", name="Revoke this device").click()
        expect(office.locator("main")).to_contain_text("are lost")
        office.get_by_role("button", name="Revoke the device").click()
        expect(office.get_by_role("status").filter(has_text="Device revoked")).to_be_visible()

        _back_online(phone)  # the online event starts a flush: the server says "revoked"
        device.poll(
            page,
            """async () => {
                const dbs = await indexedDB.databases();
                const pages = (await caches.keys()).filter(n => n.startsWith('kexpwa-pages-'));
                return !dbs.some(d => /^kexpwa-/.test(d.name)) && pages.length === 0;
            }""",
        )
        expect(page.locator("#kx-banner")).to_contain_text("removed")
        page.wait_for_timeout(1500)  # anything still in flight would have arrived by now
        titles = _titles(live_server)
        assert "Written before the phone was lost" in titles
        assert not {"Queued one QXA", "Queued two QXB"} & titles
        assert device.idb_dump(page) == {"databases": 0, "page_caches": 0}
        page.goto(live_server.url + "/notes")
        assert page.url.endswith("/login")
    finally:
        phone.close()
        admin.close()


def _a_device_for_pat(server: LiveServer) -> str:
    path = server.config.authority("edinburgh").url.removeprefix("sqlite://")
    client_id = str(uuid.uuid4())
    with sqlite3.connect(path) as conn:
        (pat_id,) = conn.execute("SELECT id FROM user WHERE username = 'pat'").fetchone()
        conn.execute(
            "INSERT INTO sync_client (id, user_id, last_seq, created_at, last_seen_at, device) "
            "VALUES (?, ?, 3, '2026-11-20 09:00:00+00:00', '2026-11-21 09:00:00+00:00', "
            "'Chrome on Android')",
            (client_id, pat_id),
        )
    return client_id


def _accessible(page: Page, width: int) -> None:
    assert device.axe_violations(page) == [], page.url
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


@pytest.mark.parametrize("width", [360, 1280])
def test_every_admin_page_passes_axe(browser: Browser, live_server: LiveServer, width: int) -> None:
    client_id = _a_device_for_pat(live_server)
    context = new_phone(browser, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, live_server, username="ada")
        pages = [
            "/",
            "/admin",
            "/admin/people",
            "/admin/people?q=pat",
            "/admin/people/new",
            "/admin/people/import",
            "/admin/teams",
            "/admin/audit",
            "/admin/audit?event=signin",
            "/admin/sync-health",
            f"/admin/devices/{client_id}/revoke",
            "/account/sessions",
            "/account/password",
        ]
        for path in pages:
            page.goto(live_server.url + path)
            _accessible(page, width)
        page.goto(live_server.url + "/admin/people")
        page.get_by_role("link", name="Pat Morrison").click()
        expect(page.get_by_role("heading", name="Devices")).to_be_visible()
        _accessible(page, width)
        page.get_by_role("button", name="Set a temporary password").click()
        expect(page.locator("main")).to_contain_text("shown only this once")
        _accessible(page, width)
        page.goto(live_server.url + "/admin/people/new")
        page.get_by_label("Username").fill("x")
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_role("alert")).to_contain_text("Usernames")
        _accessible(page, width)
        page.get_by_label("Username").fill(f"nia{width}")
        page.get_by_role("button", name="Add").click()
        expect(page.locator("main")).to_contain_text("shown")
        _accessible(page, width)
    finally:
        context.close()


def test_an_admins_pages_run_no_sync_client_and_log_no_errors(
    browser: Browser, live_server: LiveServer
) -> None:
    """An admin's role does not sync (access.CAPTURE): their pages have no status line, ask
    nothing of /sync/ or /api/session (which answered 403 and filled the console with errors:
    Lighthouse's best practices 96, and a status line growing to three lines: layout shift),
    while a practitioner's page on the same browser still starts the sync client."""
    context = new_phone(browser)
    try:
        page = context.new_page()
        asked: list[str] = []
        failed: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        sign_in(page, live_server, username="ada")
        for path in ("/admin/people", "/admin/audit", "/"):
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            expect(page.locator("main h1")).to_be_visible()
            assert page.locator("#sync-status").count() == 0
        page.wait_for_timeout(1500)  # what would run after load: the flush, the warming
        assert page.evaluate("() => kx.owner !== '' && kx.syncs === false")
        synced = [u for u in asked if "/sync/" in u or "/api/session" in u]
        assert synced == [] and failed == [] and errors == []

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r".*/login.*"))
        sign_in(page, live_server, username="pat")
        expect(page.locator("#sync-status .sync-words")).to_have_text("All saved to the server")
        assert page.evaluate("() => kx.syncs")
        for _ in range(100):  # the start-up flush runs once the page has loaded
            if any("/sync/" in u or "/api/session" in u for u in asked):
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError("a practitioner's page never started the sync client")
    finally:
        context.close()

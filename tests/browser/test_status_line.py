"""The status line tells the truth (issue 10, item 7), in real Chromium against a real server:
"All saved" only when nothing waits and nothing needs attention; what waits; when an attempt to
reach the server failed; a link to what needs attention; another account's entries set aside;
and words that are announced politely, and not again while they stay the same. A save shows
the list in place (issue 17): the entry on screen with no page load, focus on it, "Saved on
this device" announced, and Back to the form's address."""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import device
from tests.browser.conftest import LiveServer, new_phone, sign_in
from tests.browser.proxy import LossyProxy

pytestmark = pytest.mark.browser

FAILED = re.compile(r"Couldn't reach the server at \d\d:\d\d — will try again")


@pytest.fixture(scope="module")
def server(module_server: LiveServer) -> LiveServer:
    return module_server


def words(page: Page) -> str:
    return page.locator("#sync-status .sync-text").inner_text()


def new_note(page: Page, server: LiveServer, title: str, *, date: str = "") -> None:
    page.goto(server.url + "/notes/new")
    device.fill_note(page, title)
    if not date:
        device.save(page)
        return
    # An older client could queue what the server refuses (a future date); this phone's own
    # checks would stop it, so the entry goes into the outbox as that client would put it.
    page.evaluate(
        """async (date) => {
            const form = document.querySelector('form[data-kind]');
            const data = kx.forms.data(form);
            data.date = date;
            await kxStore.enqueue('note', 'upsert', form.elements.namedItem('id').value, data, 0);
        }""",
        date,
    )
    page.goto(server.url + "/notes")


def test_a_queue_a_failed_attempt_then_attention(browser: Browser, server: LiveServer) -> None:
    tag = uuid.uuid4().hex[:8]
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        device.wait_for_worker(page)
        device.wait_cached(page, "/", "/notes", "/notes/new")
        live = page.locator("#sync-status [role=status]")
        expect(live).to_have_attribute("aria-live", "polite")
        expect(live).to_contain_text("All saved to the server", timeout=20_000)

        device.go_offline(context, server)
        new_note(page, server, f"Queued {tag}")
        new_note(page, server, f"Too far ahead {tag}", date="2099-01-01")
        expect(live).to_contain_text("2 entries waiting to sync")
        expect(live).to_contain_text(FAILED, timeout=20_000)  # the start-up flush failed
        assert "All saved" not in words(page)

        device.go_online(context, server)
        device.sync_now(page)
        device.wait_all_synced(page)
        # One went through, one was refused: nothing waits, but the person is needed.
        expect(live).to_contain_text("Nothing waiting to sync", timeout=20_000)
        link = live.get_by_role("link", name="1 entry needs your attention")
        expect(link).to_be_visible()
        expect(live).not_to_contain_text(FAILED)  # gone once a sync has gone through
        assert "All saved" not in words(page)
        expect(page.locator("#sync-status .sync-last")).to_have_text(
            re.compile(r"Last sync \d\d:\d\d")
        )

        # Unchanged words are not written again, so they are not announced again.
        page.evaluate(
            """() => {
                window.kxChanges = 0;
                new MutationObserver((m) => { window.kxChanges += m.length; })
                    .observe(document.querySelector('#sync-status [role=status]'), {
                        childList: true, characterData: true, subtree: true, attributes: true});
            }"""
        )
        device.poll(page, "async () => { await window.kx.status.render(); return true; }")
        device.poll(page, "async () => { await window.kx.status.render(); return true; }")
        assert page.evaluate("window.kxChanges") == 0

        link.click()
        page.wait_for_url(re.compile(r".*/attention$"))
        expect(page.locator("#tray")).to_contain_text("future")
    finally:
        context.close()


def test_a_server_that_answers_with_an_error_is_not_called_unreachable(
    browser: Browser, server: LiveServer
) -> None:
    """A 5xx is the server's problem, not the person's signal: the words say so, and the entry
    waits and goes once the server takes it."""
    proxy = LossyProxy(server.port, fail_with=503).start()
    via = SimpleNamespace(url=proxy.url)  # the phone talks to the server through the proxy
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, via)  # type: ignore[arg-type]
        device.wait_for_worker(page)
        live = page.locator("#sync-status [role=status]")
        new_note(page, via, f"Refused for now {uuid.uuid4().hex[:8]}")  # type: ignore[arg-type]
        expect(live).to_contain_text(
            re.compile(r"The server had a problem at \d\d:\d\d — will try again"), timeout=20_000
        )
        expect(live).to_contain_text("1 entry waiting to sync")
        assert "Couldn't reach" not in words(page)

        proxy.fail_with = 0
        device.sync_now(page)
        device.wait_all_synced(page)
        expect(live).to_contain_text("All saved to the server", timeout=20_000)
        expect(live).not_to_contain_text("problem")
    finally:
        proxy.close()
        context.close()


def test_another_accounts_entries_set_aside_are_named(browser: Browser, server: LiveServer) -> None:
    tag = uuid.uuid4().hex[:8]
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        device.wait_for_worker(page)
        device.wait_cached(page, "/", "/notes", "/notes/new")
        device.go_offline(context, server)
        new_note(page, server, f"Pat's unsent {tag}")
        context.clear_cookies()  # pat's session ends without "Sign out"
        device.go_online(context, server)

        sign_in(page, server, username="sam")
        expect(page.locator("#kx-banner")).to_contain_text("from another account")
        live = page.locator("#sync-status [role=status]")
        expect(live).to_contain_text(
            "1 entry from another account is kept aside on this phone", timeout=20_000
        )
        expect(live).not_to_contain_text("Checking this device")
        expect(live).to_contain_text("All saved to the server", timeout=20_000)  # sam's own work
    finally:
        context.close()


def test_a_save_shows_the_list_in_place_offline_and_online(
    browser: Browser, server: LiveServer
) -> None:
    """After "Save note" the list is on screen with the entry, from the device, in the same
    document (no page load, online or offline); focus is on the new entry; the save is
    announced; Back opens the form's address again, as a new empty form; axe finds nothing."""
    tag = uuid.uuid4().hex[:8]
    context = new_phone(browser)
    page = context.new_page()
    same_document = "() => window.kxSameDocument === true"  # a page load would lose it
    try:
        sign_in(page, server)
        device.wait_for_worker(page)
        device.wait_cached(page, "/", "/notes", "/notes/new")
        page.goto(server.url + "/notes")
        page.get_by_role("link", name="New note").click()
        page.wait_for_url(server.url + "/notes/new")
        device.go_offline(context, server)

        page.evaluate("() => { window.kxSameDocument = true; }")
        device.fill_note(page, f"In place {tag}")
        page.get_by_role("button", name="Save note").click()
        row = page.locator("[data-list-kind=note] li", has_text=f"In place {tag}")
        expect(row).to_contain_text("Waiting to sync")
        assert page.url == server.url + "/notes"
        assert page.evaluate(same_document)
        expect(page).to_have_title(re.compile(r"^Notes"))
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Notes")
        ).to_have_attribute("aria-current", "page")
        expect(row.get_by_role("link", name=f"In place {tag}")).to_be_focused()
        expect(page.locator("#status")).to_have_text("Saved on this device.")
        expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
        expect(page.locator("#sync-status [role=status]")).to_contain_text(
            "1 entry waiting to sync"
        )
        assert device.axe_violations(page) == []

        page.go_back()  # to the form's address, opened afresh: a new, empty note
        page.wait_for_url(server.url + "/notes/new")
        expect(device.field(page, "title")).to_have_value("")
        assert not page.evaluate(same_document)
        page.go_forward()  # and the list again, the entry still waiting
        expect(row).to_contain_text("Waiting to sync")

        device.go_online(context, server)
        device.wait_all_synced(page)
        page.goto(server.url + "/notes/new")
        page.evaluate("() => { window.kxSameDocument = true; }")
        device.fill_note(page, f"Online {tag}")
        page.get_by_role("button", name="Save note").click()
        online = page.locator("[data-list-kind=note] li", has_text=f"Online {tag}")
        expect(online).to_be_visible()
        expect(online.get_by_role("link", name=f"Online {tag}")).to_be_focused()
        # Sent, then the list's rows fetched again in place: as the server has them now.
        expect(page.locator("#sync-status [role=status]")).to_contain_text(
            "All saved to the server", timeout=20_000
        )
        expect(online).not_to_contain_text("Waiting to sync", timeout=20_000)
        expect(row).not_to_contain_text("Waiting to sync")
        assert page.evaluate(same_document)
    finally:
        if server.process is None or server.process.poll() is not None:
            server.start()
        context.close()

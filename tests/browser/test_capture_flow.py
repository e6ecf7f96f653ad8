"""A practitioner on a 360 px phone signs in, creates a project, writes a Fook & Gardner
journal entry, logs 1h 30 in own time and finds all three in their lists, with JavaScript
(the offline layer saves on the device, then syncs) and without it (plain form posts). Then
axe-core checks every capture page for WCAG 2.2 AA violations."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import LiveServer, new_phone, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ACTIVITY = "Research reading, analysis and writing"


def fits_the_phone(page: Page) -> None:
    """No sideways scrolling at 360 px, and primary actions at least 44 px tall."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide"
    for box in page.locator("main .primary").all():
        if box.is_visible():
            size = box.bounding_box()
            assert size and size["height"] >= 44, f"{page.url}: a primary action is too small"


def server_errors(log: str) -> list[str]:
    """Requests that ended in an unhandled error, except a client that went away mid-request
    (the browser navigating during a background sync is not a server fault)."""
    blocks = log.split("unhandled error on ")[1:]
    return [b.splitlines()[0] for b in blocks if "ClientDisconnect" not in b]


def goto(page: Page, url: str) -> None:
    """Navigate, even if the offline layer reloads the page after a sync at that moment."""
    for attempt in range(5):
        try:
            page.goto(url)
            page.wait_for_load_state()
            return
        except PlaywrightError as exc:
            interrupted = "ERR_ABORTED" in str(exc) or "interrupted by another" in str(exc)
            if not interrupted or attempt == 4:
                raise
            page.wait_for_timeout(200)


def all_synced(page: Page) -> None:
    """With JavaScript, entries are saved on the device first: wait until none is waiting."""
    expect(page.locator("#sync-status .sync-text")).to_contain_text(
        "All saved to the server", timeout=20_000
    )


def on_the_server(page: Page, server: LiveServer, path: str, text: str) -> None:
    """``text`` is on the server-rendered page (not only in the device's outbox)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = page.request.get(
            server.url + path, headers={"Accept": "text/html"}, timeout=5000
        )
        if text in response.text():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} never reached {path} on the server")


def open_page(page: Page, server: LiveServer, js: bool, links: tuple[str, ...], path: str) -> None:
    """Follow ``links`` by name (as a person would), or with JavaScript on go straight to
    ``path``: the offline layer reloads a list page when a sync lands, which would swallow
    a click on that page."""
    if js:
        goto(page, server.url + path)
    else:
        for name in links:
            page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(server.url + path)


def saved(page: Page, server: LiveServer, js: bool, area: str) -> None:
    """After Save: with JavaScript the offline layer keeps the entry on the device and opens
    the list; without it the server answers with the entry's page (or the list for time)."""
    if js or area == "/time":
        page.wait_for_url(server.url + area)
    else:
        page.wait_for_url(re.compile(re.escape(server.url + area) + "/[0-9a-f-]{36}$"))


def create_everything(page: Page, server: LiveServer, js: bool) -> None:
    # A project.
    open_page(page, server, js, ("Projects", "New project"), "/projects/new")
    fits_the_phone(page)
    page.get_by_label("Title").fill("Young carers' voices")
    page.get_by_label("Research question").fill("What do young carers want from us?")
    page.get_by_role("button", name="Save project").click()
    saved(page, server, js, "/projects")

    # A Fook & Gardner journal entry.
    open_page(page, server, js, ("Journal", "New entry"), "/journal/new")
    page.get_by_role("link", name="Critical reflection (Fook & Gardner)").click()
    page.wait_for_url("**/journal/new?template=fook_gardner")
    fits_the_phone(page)
    page.get_by_label("Title", exact=True).fill("The visit with the checklist")
    page.get_by_label("The incident").fill("I kept steering back to my list.")
    page.get_by_label("What have I learned?").fill("Listening first works better.")
    page.get_by_label("How will I use this learning?").fill("Ask what matters to them today.")
    page.get_by_role("button", name="Save entry").click()
    saved(page, server, js, "/journal")

    # 1h 30 in own time.
    open_page(page, server, js, ("Time", "Log time"), "/time/new")
    fits_the_phone(page)
    if js:
        page.get_by_role("button", name="1h 30").click()  # the quick-fill button
    else:
        expect(page.get_by_role("button", name="1h 30")).to_be_hidden()
        page.get_by_label("How long").fill("1h 30")
    expect(page.get_by_label("How long")).to_have_value("1h 30")
    page.get_by_label("Activity").select_option(ACTIVITY)
    page.get_by_label("In my own time").check()
    page.get_by_role("button", name="Save time").click()
    saved(page, server, js, "/time")


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
def test_a_practitioner_captures_on_a_phone(
    browser: Browser, live_server: LiveServer, js: bool
) -> None:
    context = new_phone(browser, java_script_enabled=js)
    try:
        page = context.new_page()
        sign_in(page, live_server)
        fits_the_phone(page)
        create_everything(page, live_server, js)
        if js:
            all_synced(page)

        goto(page, live_server.url + "/projects")
        expect(page.locator("[data-list-kind=project]")).to_contain_text("Young carers' voices")
        goto(page, live_server.url + "/journal")
        expect(page.locator("[data-list-kind=journal]")).to_contain_text(
            "The visit with the checklist"
        )
        goto(page, live_server.url + "/time")
        fits_the_phone(page)
        expect(page.locator("[data-list-kind=time]")).to_contain_text(f"1h 30 · {ACTIVITY}")
        expect(page.locator("[data-list-kind=time]")).to_contain_text("Own time")

        on_the_server(page, live_server, "/projects", "Young carers&#39; voices")
        on_the_server(page, live_server, "/journal", "The visit with the checklist")
        on_the_server(page, live_server, "/time", f"1h 30 · {ACTIVITY}")
        goto(page, live_server.url + "/time")
        totals = page.locator(".totals")
        expect(totals).to_contain_text("Own time")
        assert server_errors(live_server.log_text()) == []
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    return list(
        page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({
                        target: n.target.join(" "), summary: n.failureSummary
                    }))
                }));
            }""",
            AXE_TAGS,
        )
    )


def test_capture_pages_have_no_wcag_violations(browser: Browser, live_server: LiveServer) -> None:
    # bypass_csp lets add_script_tag inject axe inline; the app's own CSP is tested elsewhere.
    context = new_phone(browser, bypass_csp=True, service_workers="block")
    try:
        page = context.new_page()
        sign_in(page, live_server)
        base = live_server.url
        pages = [
            "/",
            "/notes",
            "/notes?q=nothing-matches-this",
            "/notes/new",
            "/notes/deleted",
            "/journal",
            "/journal/new",
            "/journal/new?template=fook_gardner",
            "/journal/new?template=quick",
            "/time",
            "/time/new",
            "/projects",
            "/projects/new",
        ]
        found: dict[str, list[dict[str, Any]]] = {}

        def check(label: str) -> None:
            fits_the_phone(page)
            violations = axe_violations(page)
            if violations:
                found[label] = violations

        for path in pages:
            page.goto(base + path)
            check(path)
        # Pages for one record: the first of each list.
        for path, selector in (
            ("/journal", "journal"),
            ("/projects", "project"),
            ("/notes", "note"),
            ("/time", "time"),
        ):
            page.goto(base + path)
            page.locator(f"[data-list-kind={selector}] .row-title a").first.click()
            page.wait_for_load_state()
            check(f"first {selector}")
        # A form with errors from the server, as a browser without IndexedDB posts it (with
        # it, the offline layer keeps the entry on the device and never posts the form).
        context.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined})")
        page.goto(base + "/notes/new")
        page.get_by_label("Date").fill("")
        page.get_by_role("button", name="Save note").click()
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.locator(".error-summary")).to_be_focused()
        check("note form with errors")
        assert found == {}, "axe found WCAG violations:\n" + json.dumps(found, indent=2)
    finally:
        context.close()

"""A team lead at 360 px and at 1280 px: the overview, the entries shared with them, one entry
and the charts, with axe finding no WCAG 2.2 AA violation on any of them (nor on the
practitioner's "What my team lead can see"). Offline, the lead's warmed pages open from the
worker's cache; when the practitioner stops sharing, the entry's cached page is dropped at
the lead's next sync."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, new_phone, sign_in
from tests.browser.device import (
    axe_violations,
    go_offline,
    go_online,
    poll,
    sync_now,
    wait_cached,
    wait_for_worker,
)

pytestmark = pytest.mark.browser
TITLE = "The visit with the checklist"


def _share_a_reflection(page: Page, server: LiveServer) -> str:
    """Pat (no JavaScript: a plain form post) writes a journal entry shared with Lee."""
    sign_in(page, server, username="pat")
    page.goto(server.url + "/journal/new?template=fook_gardner")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("The incident").fill("I kept steering back to my list.")
    page.get_by_label("Share with my team lead").check()
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(re.compile(re.escape(server.url) + "/journal/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def _fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


def _accessible(page: Page, width: int) -> None:
    assert axe_violations(page) == [], page.url
    _fits(page, width)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_lead_reads_shared_work_online_and_offline(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    viewport = {"viewport": {"width": width, "height": 800}}
    pat_context = new_phone(browser, java_script_enabled=False, **viewport)
    lead_context = new_phone(browser, **viewport)
    try:
        pat = pat_context.new_page()
        entry_id = _share_a_reflection(pat, live_server)
        pat.goto(live_server.url + "/what-my-lead-sees")
        expect(pat.get_by_role("heading", name="What my team lead can see")).to_be_visible()
        expect(pat.get_by_role("link", name=TITLE)).to_be_visible()
        _fits(pat, width)
        # axe runs in the page: Pat again, with JavaScript, on the same page.
        pat_js = new_phone(browser, **viewport)
        try:
            page = pat_js.new_page()
            sign_in(page, live_server, username="pat")
            page.goto(live_server.url + "/what-my-lead-sees")
            expect(page.get_by_role("link", name=TITLE)).to_be_visible()
            _accessible(page, width)
        finally:
            pat_js.close()

        lead = lead_context.new_page()
        sign_in(lead, live_server, username="lee")
        wait_for_worker(lead)
        lead.get_by_role("link", name="My team", exact=True).click()
        expect(lead.get_by_role("heading", name="Pat Morrison")).to_be_visible()
        expect(lead.get_by_text("1 not yet read")).to_be_visible()
        _accessible(lead, width)
        lead.get_by_role("link", name="Entries shared with you").click()
        _accessible(lead, width)
        lead.get_by_role("link", name=re.compile(TITLE)).click()
        entry_path = f"/team/entries/journal/{entry_id}"
        lead.wait_for_url(live_server.url + entry_path)
        expect(lead.get_by_text("I kept steering back to my list.")).to_be_visible()
        _accessible(lead, width)
        lead.goto(live_server.url + "/team/charts")
        expect(lead.locator("svg.chart-svg").first).to_be_visible()
        lead.get_by_text("Show as a table").first.click()
        _accessible(lead, width)

        # Offline on the train: the warmed pages open from the worker's cache.
        lead.goto(live_server.url + "/")
        wait_cached(lead, "/team", "/team/shared", entry_path)
        go_offline(lead_context, live_server)
        lead.goto(live_server.url + entry_path)
        expect(lead.get_by_text("I kept steering back to my list.")).to_be_visible()
        go_online(lead_context, live_server)

        # Pat stops sharing: at Lee's next sync the entry's page leaves the cache.
        pat.goto(live_server.url + f"/journal/{entry_id}/edit")
        pat.get_by_label("Share with my team lead").uncheck()
        pat.get_by_role("button", name="Save entry").click()
        pat.wait_for_url(re.compile(re.escape(live_server.url) + "/journal/[0-9a-f-]{36}$"))
        lead.goto(live_server.url + "/")
        sync_now(lead)
        poll(
            lead,
            """async (path) => {
                const names = (await caches.keys()).filter(n => n.startsWith('kexpwa-pages-'));
                const cache = await caches.open(names[0]);
                return !(await cache.match(path));
            }""",
            entry_path,
        )
        lead.goto(live_server.url + entry_path)
        expect(lead.get_by_role("heading", name="Page not found")).to_be_visible()
    finally:
        pat_context.close()
        lead_context.close()

"""Feedback between a lead and a practitioner in Chromium, at 360 px and at 1280 px: the lead
opens the overview, reads a shared journal entry and leaves feedback; the practitioner, offline
after syncing, sees it beside the entry (the entry's page comes from the worker's cache, older
than the comment, and js/page/thread.js adds what the device pulled); still offline, she
replies: the reply is queued on the phone (shown "Waiting to sync") and sent by itself once
she is back online; the lead sees the reply and, offline in turn, leaves more feedback, which
waits on the lead's device and is sent once back online. axe finds no WCAG 2.2 AA violation on
the pages involved."""

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
    wait_all_synced,
    wait_cached,
    wait_for_worker,
)

pytestmark = pytest.mark.browser
TITLE = "The visit with the checklist"
COMMENT = "Noticing the list pulling at you is the hard part. Well done."
REPLY = "Thank you. I will try leaving it in the bag next time."
AGAIN = "Bring this one to supervision on Thursday if you like."
HAS_FEEDBACK = """async () => {
    const S = window.kxStore;
    const rows = await S.tx(["records"], "readonly", (t) => S.all(t.objectStore("records")));
    return rows.some((r) => r.kind === "feedback" && !r.deleted);
}"""

HAS_TEXT = """async (text) => {
    const S = window.kxStore;
    const rows = await S.tx(["records"], "readonly", (t) => S.all(t.objectStore("records")));
    return rows.some((r) => r.kind === "feedback" && (r.data || {}).body === text);
}"""

CACHED_TEXT = """async (path) => {
    const names = (await caches.keys()).filter((n) => n.startsWith("kexpwa-pages-"));
    const hit = await (await caches.open(names[0])).match(path);
    return hit ? await hit.text() : "";
}"""

CACHED_HAS = """async ([path, text]) => {
    const names = (await caches.keys()).filter((n) => n.startsWith("kexpwa-pages-"));
    const hit = await (await caches.open(names[0])).match(path);
    return hit ? (await hit.text()).includes(text) : false;
}"""


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


def _accessible(page: Page, width: int) -> None:
    assert axe_violations(page) == [], page.url
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


@pytest.mark.parametrize("width", [360, 1280])
def test_feedback_reaches_the_practitioner_offline_and_the_reply_reaches_the_lead(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    viewport = {"viewport": {"width": width, "height": 800}}
    writer = new_phone(browser, java_script_enabled=False, **viewport)
    pat_context = new_phone(browser, **viewport)
    lead_context = new_phone(browser, **viewport)
    try:
        entry_id = _share_a_reflection(writer.new_page(), live_server)
        own_path = f"/journal/{entry_id}"

        # Pat's phone: signed in, the entry's page visited (so the worker keeps a copy).
        pat = pat_context.new_page()
        sign_in(pat, live_server, username="pat")
        wait_for_worker(pat)
        pat.goto(live_server.url + own_path)
        expect(pat.get_by_text("No feedback yet.")).to_be_visible()
        wait_cached(pat, own_path)

        # 1. Lee: the overview, the shared entry, feedback.
        lead = lead_context.new_page()
        sign_in(lead, live_server, username="lee")
        lead.get_by_role("link", name="My team", exact=True).click()
        expect(lead.get_by_role("heading", name="Pat Morrison")).to_be_visible()
        lead.get_by_role("link", name="Entries shared with you").click()
        lead.get_by_role("link", name=re.compile(TITLE)).click()
        lead.wait_for_url(live_server.url + f"/team/entries/journal/{entry_id}")
        expect(lead.get_by_text("I kept steering back to my list.")).to_be_visible()
        expect(lead.get_by_text("can't be edited or deleted")).to_be_visible()
        lead.get_by_label("Your feedback").fill(COMMENT)
        lead.get_by_role("button", name="Post feedback").click()
        thread = lead.locator("#feedback")
        expect(thread.get_by_text(COMMENT)).to_be_visible()
        expect(lead.locator("#status")).to_have_text("Feedback posted.")
        expect(lead.get_by_label("Your feedback")).to_have_value("")
        _accessible(lead, width)

        # 2. Pat, still on the entry's page she opened before, syncs: the pulled comment
        # shows on it at once; then she loses signal and opens the entry again.
        sync_now(pat)
        poll(pat, HAS_FEEDBACK)
        expect(pat.locator("#feedback").get_by_text(COMMENT)).to_be_visible()
        cached = pat.evaluate(CACHED_TEXT, own_path)
        assert TITLE in cached and COMMENT not in cached  # the page the worker will serve
        go_offline(pat_context, live_server)
        pat.goto(live_server.url + own_path)
        expect(pat.get_by_role("heading", name=TITLE)).to_be_visible()
        mine = pat.locator("#feedback")
        expect(mine.get_by_text(COMMENT)).to_be_visible()
        expect(mine.get_by_text("(team lead)")).to_be_visible()
        expect(pat.get_by_text("No feedback yet.")).to_be_hidden()
        _accessible(pat, width)

        # Still without signal, she replies: kept on the phone, shown as waiting.
        pat.get_by_label("Your reply").fill(REPLY)
        pat.get_by_role("button", name="Send reply").click()
        expect(mine.get_by_text(REPLY)).to_be_visible()
        expect(mine.get_by_text("Waiting to sync")).to_be_visible()
        expect(pat.locator("#status")).to_contain_text("sent when you are back online")
        expect(pat.get_by_label("Your reply")).to_have_value("")
        _accessible(pat, width)

        # Back online, the reply is sent by itself.
        go_online(pat_context, live_server)
        wait_all_synced(pat)
        expect(mine.get_by_text("Waiting to sync")).to_be_hidden()
        # The next start keeps her entries with feedback ready, the thread as the server has it.
        pat.goto(live_server.url + "/")
        poll(pat, CACHED_HAS, [own_path, REPLY])
        pat.goto(live_server.url + own_path)
        expect(mine.locator("li")).to_have_count(2)

        # 3. Lee sees the reply, after the comment.
        lead.reload()
        replies = lead.locator("#feedback li")
        expect(replies).to_have_count(2)
        expect(replies.nth(0)).to_contain_text(COMMENT)
        expect(replies.nth(1)).to_contain_text(REPLY)
        expect(replies.nth(1)).to_contain_text("(reply)")
        _accessible(lead, width)

        # 4. Lee, without signal, leaves more feedback: kept on the device, shown as waiting,
        # and sent by itself once back online; Pat's phone gets it at its next sync.
        lead_path = f"/team/entries/journal/{entry_id}"
        wait_for_worker(lead)
        lead.goto(live_server.url + lead_path)
        wait_cached(lead, lead_path)
        go_offline(lead_context, live_server)
        lead.goto(live_server.url + lead_path)
        lead.get_by_label("Your feedback").fill(AGAIN)
        lead.get_by_role("button", name="Post feedback").click()
        theirs = lead.locator("#feedback li")
        expect(theirs).to_have_count(3)
        expect(theirs.nth(2)).to_contain_text(AGAIN)
        expect(theirs.nth(2)).to_contain_text("(team lead)")
        expect(theirs.nth(2)).to_contain_text("Waiting to sync")
        expect(lead.locator("#status")).to_contain_text("feedback will be sent when you are back")
        expect(lead.get_by_label("Your feedback")).to_have_value("")
        _accessible(lead, width)
        go_online(lead_context, live_server)
        sync_now(lead)
        wait_all_synced(lead)
        expect(theirs.nth(2)).not_to_contain_text("Waiting to sync")
        sync_now(pat)
        poll(pat, HAS_TEXT, AGAIN)
    finally:
        writer.close()
        pat_context.close()
        lead_context.close()

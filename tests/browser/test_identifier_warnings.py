"""The identifier warning at save (issue 15), offline, in real Chromium against a real server:
a note with a CHI number stops at the warning, the match highlighted in place; "Edit" selects
it in its field; fixed, it saves. A second note saved with "Save anyway" and a reason queues
with its reason, syncs when the server is back, and is flagged there (resolved with that
reason, never a copy of the number). axe finds nothing with the warning shown. A change the
server saved with its sharing kept off is shown so on the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import device
from tests.browser.conftest import LiveServer, new_phone, sign_in

pytestmark = pytest.mark.browser

CHI = "1503901009"  # 15 March 1990, mod-11 check digit valid
BODY = f"Met mum at the clinic; the baby CHI is {CHI}. Follow up next week."
CHI_AT = BODY.index(CHI)
PHONE = "07700 900123"
SECOND = f"Gran asked me to ring her on {PHONE} about the review."
SUBMIT = "form[data-kind] button[type=submit]"


def test_offline_warning_edit_then_save_anyway_syncs_flagged(
    browser: Browser, live_server: LiveServer
) -> None:
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        device.wait_for_worker(page)
        device.wait_cached(page, "/notes", "/notes/new")
        device.go_offline(context, live_server)

        # 1. A note with a CHI number: the save stops at the warning.
        page.goto(live_server.url + "/notes/new")
        device.fill_note(page, "Clinic visit", BODY)
        page.click(SUBMIT)
        warning = page.locator(".id-warning")
        expect(warning).to_be_visible()
        # 2. The match highlighted in place, with what it looks like; focus on the warning.
        expect(warning.locator("mark")).to_have_text(CHI)
        expect(warning).to_contain_text("Looks like a CHI number (its check digit is valid")
        expect(warning).to_contain_text("in Note")
        expect(warning).to_contain_text("can't catch names")
        assert page.evaluate("() => document.activeElement.classList.contains('id-warning')")
        assert page.get_attribute(".id-warning", "role") == "alert"
        counts = device.counts(page)
        assert counts["pending"] == 0  # nothing queued
        assert counts["drafts"] >= 1  # the draft stays
        # 4. axe: zero violations with the warning shown.
        assert device.axe_violations(page) == []

        # 3. "Edit": the match selected in its field; fixed, the note saves.
        warning.locator("li").get_by_role("button", name="Edit").click()
        selected = page.evaluate(
            "() => { const el = document.activeElement;"
            " return [el.name, el.selectionStart, el.selectionEnd]; }"
        )
        assert selected == ["body", CHI_AT, CHI_AT + len(CHI)]
        device.field(page, "body").fill("Met mum at the clinic. Follow up next week.")
        device.save(page)
        assert device.counts(page)["pending"] == 1

        # A second note: "Save anyway" with a reason.
        page.goto(live_server.url + "/notes/new")
        device.fill_note(page, "Call back", SECOND)
        page.click(SUBMIT)
        expect(page.locator(".id-warning mark")).to_have_text(PHONE)
        page.get_by_label("About me, not a family").check()
        page.locator(".id-warning").get_by_role("button", name="Save anyway").click()
        page.wait_for_url(lambda url: "/new" not in url, timeout=15_000)
        assert device.counts(page)["pending"] == 2
        queued = page.evaluate(
            "async () => (await kxStore.tx(['outbox'], 'readonly',"
            " t => new Promise(ok => { const r = t.objectStore('outbox').getAll();"
            " r.onsuccess = () => ok(r.result); })))"
            ".map(m => m.data && m.data.save_anyway || null)"
        )
        assert sorted(q or "" for q in queued) == ["", "about_me"]

        device.go_online(context, live_server)
        device.sync_now(page)
        device.wait_all_synced(page)
    finally:
        context.close()

    notes = dict(device.rows(live_server, "SELECT title, id FROM note"))
    first, second = notes["Clinic visit"], notes["Call back"]
    first_body = device.rows(live_server, "SELECT body FROM note WHERE id = ?", (first,))
    assert CHI not in first_body[0][0]
    flags = device.rows(
        live_server,
        'SELECT record_id, field, detector, start, "end", resolved FROM identifier_flag'
        " WHERE record_id IN (?, ?)",
        (first, second),
    )
    at = SECOND.index(PHONE)
    assert flags == [(second, "body", "phone", at, at + len(PHONE), "about_me")]


def test_without_javascript_the_server_warns_flags_and_takes_save_anyway(
    browser: Browser, live_server: LiveServer
) -> None:
    body = "Visited the family at EH6 4AB today."
    nojs = new_phone(browser, java_script_enabled=False)
    phone = new_phone(browser)
    try:
        page = nojs.new_page()
        sign_in(page, live_server, username="sam")
        page.goto(live_server.url + "/notes/new")
        device.fill_note(page, "Postcode note", body)
        page.check("#f-share-lead")
        page.click(SUBMIT)
        # Shared with unresolved identifiers: refused, the draft on screen, the panel shown.
        expect(page.locator(".error-summary")).to_contain_text("before you share it")
        assert device.field(page, "body").input_value().strip() == body
        panel = page.locator("#identifiers")
        expect(panel).to_contain_text("Looks like a postcode in Edinburgh or East Lothian")
        expect(panel).not_to_contain_text("EH6 4AB")
        page.uncheck("#f-share-lead")
        page.click(SUBMIT)
        page.wait_for_url(live_server.url + "/notes")
        row = page.locator("[data-list-kind] li", has_text="Postcode note")
        expect(row.locator(".id-flag")).to_have_text("Check for identifiers")
        page.goto(live_server.url + "/attention")
        expect(page.locator("#id-checks")).to_contain_text("Postcode note")

        # axe on the pages that show it, with scripts on as most phones have them.
        js = phone.new_page()
        sign_in(js, live_server, username="sam")
        js.goto(live_server.url + "/attention")
        expect(js.locator("#id-checks")).to_be_visible()
        assert device.axe_violations(js) == []
        js.locator("#id-checks a", has_text="Postcode note").click()
        expect(js.locator("#identifiers")).to_be_visible()
        assert device.axe_violations(js) == []

        # "Save anyway" from the panel, without JavaScript: resolved, the badge gone.
        page.goto(live_server.url + "/notes")
        page.locator("[data-list-kind] li", has_text="Postcode note").get_by_role("link").click()
        page.select_option("#f-save-anyway", "not_identifier")
        page.click(SUBMIT)
        page.wait_for_url(live_server.url + "/notes")
        expect(page.locator(".id-flag")).to_have_count(0)
    finally:
        nojs.close()
        phone.close()
    (rid,) = device.rows(live_server, "SELECT id FROM note WHERE title = 'Postcode note'")[0]
    flags = device.rows(
        live_server,
        "SELECT detector, strong, resolved FROM identifier_flag WHERE record_id = ?",
        (rid,),
    )
    assert flags == [("postcode", 1, "not_identifier")]


HELD = """async ([id, body]) => kxStore.enqueue('note', 'upsert', id,
  {title: 'Shared by an older phone', body: body, date: '2026-11-26', share_lead: true}, 0)"""


def test_sharing_kept_off_by_the_server_is_shown_on_the_phone(
    browser: Browser, live_server: LiveServer
) -> None:
    """A change that reaches the server with likely identifiers, sharing on and no "save
    anyway" (a phone whose rules are older than the server's) is saved with its sharing kept
    off: the phone's copy says not shared, "Needs attention" says why and opens the entry, the
    status line counts it, and signing out does not call it unsent."""
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, live_server)
        device.wait_for_worker(page)
        device.wait_all_synced(page)
        record_id = page.evaluate("() => kxStore.uuid()")
        page.evaluate(HELD, [record_id, SECOND])  # queued as if the warning had not run
        device.sync_now(page)
        device.wait_all_synced(page)
        assert device.rows(
            live_server, "SELECT share_lead FROM note WHERE id = ?", (record_id,)
        ) == [(0,)]
        local = page.evaluate(
            "async (id) => (await kxStore.tx(['records'], 'readonly',"
            " t => kxStore.get(t.objectStore('records'), 'note:' + id))).data.share_lead",
            record_id,
        )
        assert local is False
        expect(page.locator("#sync-status")).to_contain_text("1 entry needs your attention")

        page.goto(live_server.url + "/attention")
        item = page.locator(f'#tray li[data-record-id="{record_id}"]')
        expect(item).to_contain_text("Saved, but not shared")
        expect(item).to_contain_text("kept off")
        link = item.get_by_role("link", name="Open the entry")
        assert link.get_attribute("href") == f"/notes/{record_id}/edit"
        assert page.evaluate("() => kxStore.unsent()") == 0  # it is on the server
        assert device.axe_violations(page) == []
        item.get_by_role("button", name="Got it").click()
        expect(page.locator("#tray li")).to_have_count(0)
        expect(page.locator("#tray-empty")).to_be_visible()
    finally:
        context.close()

"""The identifier warning at save (issue 15), offline, in real Chromium against a real server:
a note with a CHI number stops at the warning, the match highlighted in place; "Edit" selects
it in its field; fixed, it saves. A second note saved with "Save anyway" and a reason queues
with its reason, syncs when the server is back, and is flagged there (resolved with that
reason, never a copy of the number). axe finds nothing with the warning shown."""

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

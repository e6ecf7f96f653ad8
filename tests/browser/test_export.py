"""The research export in real Chromium: Pat writes a note for the research dataset and says yes
to research participation offline (queued on the phone, synced once back online, applied once);
the research fellow signs in, downloads the dataset, and the ZIP opens, its manifest's
checksums match, its codebook covers every column, and no demo person's username, name or team
name is anywhere in it; the past exports list its manifest hash. axe finds no WCAG 2.2 AA
violation on any of these pages."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kexpwa.demo import DEMO_RESEARCH, DEMO_USERS
from tests.browser import device
from tests.browser.conftest import LiveServer, new_phone, sign_in
from tests.export_helpers import check_manifest_and_codebook, open_zip

pytestmark = pytest.mark.browser


def _accessible(page: Page) -> None:
    assert device.axe_violations(page) == [], page.url


def test_the_fellow_downloads_the_consented_dataset(
    browser: Browser, module_server: LiveServer, tmp_path: Path
) -> None:
    phone = new_phone(browser)
    office = new_phone(browser, viewport={"width": 1280, "height": 900})
    try:
        page = phone.new_page()
        sign_in(page, module_server, username="pat")
        page.goto(module_server.url + "/notes/new")
        device.fill_note(page, "Carers' group EXPQ", body="Zażółć; שלום; 🌧️")
        page.get_by_label(re.compile("Include in the research dataset")).check()
        device.save(page)
        device.wait_all_synced(page)
        page.goto(module_server.url + "/")
        page.get_by_role("link", name="Research participation").click()
        _accessible(page)
        # The choice travels through sync: made offline, queued, sent once back online.
        device.wait_for_worker(page)
        device.wait_cached(page, "/participation")
        device.go_offline(phone, module_server)
        page.get_by_label("Yes, include them").check()
        page.get_by_role("button", name="Save my choice").click()
        queued = page.locator('[data-list-kind="participation"]')
        expect(queued).to_contain_text("Waiting to sync")
        expect(page.get_by_label("Yes, include them")).to_be_checked()
        assert device.counts(page)["pending"] == 1
        _accessible(page)
        choice = "SELECT time_and_projects, version FROM participation"
        history = "SELECT shared FROM sharing_change WHERE kind = 'participation'"
        device.go_online(phone, module_server)
        device.sync_now(page)
        device.wait_all_synced(page)
        assert device.rows(module_server, choice) == [(1, 1)]
        assert device.rows(module_server, history) == [(1,)]  # applied once
        page.reload()
        expect(page.get_by_label("Yes, include them")).to_be_checked()
        expect(page.get_by_role("region", name="Your choices so far")).to_contain_text("yes")
        page.get_by_role("link", name="Download my data").click()
        _accessible(page)

        desk = office.new_page()
        sign_in(desk, module_server, authority="research", username=DEMO_RESEARCH[0])
        desk.get_by_role("link", name="Research dataset").click()
        _accessible(desk)
        desk.get_by_label("Exact dates").check()
        with desk.expect_download() as started:
            desk.get_by_role("button", name="Download the dataset").click()
        saved = tmp_path / "dataset.zip"
        started.value.save_as(saved)
        z = open_zip(saved.read_bytes())
        check_manifest_and_codebook(z)
        notes = z.csv("notes")
        assert [n["title"] for n in notes] == ["Carers' group EXPQ"]
        assert notes[0]["body"] == "Zażółć; שלום; 🌧️"
        assert {t["practitioner"] for t in z.csv("time")} == {notes[0]["practitioner"]}
        everything = z.everything().lower()
        for person in DEMO_USERS:
            for identifier in (person.username, person.display_name, person.team or ""):
                if len(identifier) > 3:  # "pat" could be any word's letters
                    assert identifier.lower().encode() not in everything, identifier
        desk.reload()
        sha = hashlib.sha256(z.files["manifest.json"]).hexdigest()
        expect(desk.locator("code.hash").first).to_have_text(sha)
        _accessible(desk)
    finally:
        phone.close()
        office.close()

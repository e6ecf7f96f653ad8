"""Checks on the phone (issue 10, items 4 to 6), in real Chromium against a real server:

- the phone's duration parser gives the shared vectors' minutes and words (the server's parser
  runs the same file in tests/test_duration_vectors.py);
- offline, a bad duration or an empty required field is refused at once, in the app's error
  summary and beside the field, with the words the server uses for the same form;
- a 200 KB paste keeps every character, says how long it is and what the limit is, and the form
  will not save until it is shortened; the limit shows before it is reached;
- with the device's clock two days on, the cached time form starts on the new today and takes it;
- without JavaScript the server still checks the same form and keeps the text.

One server and one signed-in phone serve the whole module (the machine is shared)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import device
from tests.browser.conftest import LiveServer, new_phone, sign_in

pytestmark = pytest.mark.browser

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "durations.json").read_text()
)["vectors"]
WARM = ("/notes/new", "/time/new")
PENDING = "async () => (await window.kxStore.counts()).pending"


@pytest.fixture(scope="module")
def server(module_server: LiveServer) -> LiveServer:
    return module_server


@pytest.fixture(scope="module")
def phone(browser: Browser, server: LiveServer) -> Iterator[tuple[BrowserContext, Page]]:
    context = new_phone(browser)
    page = context.new_page()
    sign_in(page, server)
    device.wait_for_worker(page)
    device.wait_cached(page, *WARM)
    try:
        yield context, page
    finally:
        context.close()


@pytest.fixture
def offline(phone: tuple[BrowserContext, Page], server: LiveServer) -> Iterator[Page]:
    """The module's phone with no signal (the server is down too); back online afterwards."""
    context, page = phone
    device.go_offline(context, server)
    try:
        yield page
    finally:
        device.go_online(context, server)


def summary_items(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".error-summary li").all_inner_texts()]


def server_words(
    browser: Browser, server: LiveServer, path: str, fill: dict[str, str]
) -> list[str]:
    """The error summary the server itself renders for this form, posted without JavaScript."""
    context = new_phone(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, server)
        page.goto(server.url + path)
        for name, value in fill.items():
            page.locator(f'form[data-kind] [name="{name}"]').fill(value)
        page.click("form[data-kind] button[type=submit]")
        expect(page.locator(".error-summary")).to_be_visible()
        return summary_items(page)
    finally:
        context.close()


def test_the_phone_parses_the_shared_vectors_like_the_server(
    phone: tuple[BrowserContext, Page], server: LiveServer
) -> None:
    _, page = phone
    page.goto(server.url + "/time/new")
    got: list[dict[str, Any]] = page.evaluate(
        "(inputs) => inputs.map(i => window.kx.checks.duration(i))",
        [v["input"] for v in VECTORS],
    )
    assert len(got) == len(VECTORS) > 40
    for vector, result in zip(VECTORS, got, strict=True):
        expected = (
            {"minutes": vector["minutes"]} if "minutes" in vector else {"error": vector["error"]}
        )
        assert result == expected, vector["input"]


def test_the_phone_says_what_the_server_says(
    browser: Browser, phone: tuple[BrowserContext, Page], server: LiveServer
) -> None:
    """Online first: the server's own words for these forms, without JavaScript. Then with no
    signal, the phone refuses the same forms at once with the same words."""
    cases = [
        ("/time/new", {"duration": "abc"}),
        ("/time/new", {"duration": "-2h"}),
        ("/time/new", {"duration": "25h"}),
        ("/time/new", {"duration": ""}),
        ("/notes/new", {"title": ""}),
    ]
    expected = [server_words(browser, server, path, fill) for path, fill in cases]
    assert any("Could not understand “abc”" in w for w in expected[0])
    assert "Enter title." in expected[4]

    context, page = phone
    device.go_offline(context, server)
    try:
        for (path, fill), words in zip(cases, expected, strict=True):
            page.goto(server.url + path)
            for name, value in fill.items():
                device.field(page, name).fill(value)
            page.click("form[data-kind] button[type=submit]")
            summary = page.locator(".error-summary")
            expect(summary).to_be_visible()
            expect(summary).to_be_focused()  # the app's summary, not the browser's bubble
            assert summary_items(page) == words, path
            assert page.url.split("#")[0] == server.url + path  # nothing saved, nothing moved on
            first = fill and next(iter(fill))
            if first:
                beside = page.locator(f"#f-{first}-error")
                expect(beside).to_have_text(words[0])
                expect(device.field(page, first)).to_have_attribute("aria-invalid", "true")
                expect(device.field(page, first)).to_have_value(fill[first])  # kept as typed
        assert page.evaluate(PENDING) == 0
        # Every problem is named, and the links reach their fields.
        page.goto(server.url + "/time/new")
        page.click("form[data-kind] button[type=submit]")
        expect(page.locator(".error-summary h2")).to_have_text("There are problems with 2 fields.")
        page.click(".error-summary a[href='#f-activity']")
        expect(page.locator("#f-activity")).to_be_focused()
        assert device.axe_violations(page) == []
        # Put right, it saves on the device.
        device.field(page, "duration").fill("1h 30")
        device.field(page, "activity").select_option(index=1)
        device.save(page)
        device.saved_on_device(page)
        assert page.evaluate(PENDING) == 1
    finally:
        device.go_online(context, server)
    device.sync_now(page)
    device.wait_all_synced(page)
    assert device.rows(server, "SELECT minutes FROM time_entry WHERE minutes = 90")


def test_a_long_paste_keeps_every_character_and_is_refused_until_shortened(
    offline: Page, server: LiveServer
) -> None:
    page = offline
    page.goto(server.url + "/notes/new")
    device.field(page, "title").fill("Long paste")
    body = device.field(page, "body")
    counter = page.locator("#f-body-count")
    expect(counter).to_have_text("Up to 20,000 characters.")
    # The limit shows before it is reached, and is announced once, politely.
    body.fill("a" * 18_500)
    expect(counter).to_have_text("1,500 characters left (the limit is 20,000).")
    expect(page.locator("#status")).to_have_text(
        "Note: 1,500 characters left (the limit is 20,000)."
    )
    expect(page.locator("#status")).to_have_attribute("aria-live", "polite")

    # Paragraphs of about a thousand characters: Chromium's insertText costs time in the
    # number of lines (5,000 short lines took two minutes), not in characters.
    words = "The family was seen at home and the plan was talked through again. " * 15
    pasted = "".join(f"Paragraph {i:03d} of the pasted case summary. {words}\n" for i in range(200))
    assert len(pasted) >= 200_000
    body.fill("")
    body.focus()
    page.keyboard.insert_text(pasted)  # as a paste arrives: one insertion, one input event
    assert len(body.input_value()) == len(pasted)  # nothing cut
    size = f"{len(pasted.strip()):,}"
    expect(counter).to_contain_text(f"Too long: {size} characters, and the limit is 20,000.")
    expect(counter).to_contain_text("Nothing has been cut.")
    page.click("form[data-kind] button[type=submit]")
    message = f"Note can be at most 20,000 characters; it is {size}."
    assert summary_items(page) == [message]
    expect(page.locator("#f-body-error")).to_have_text(message)
    assert len(body.input_value()) == len(pasted)  # still all there
    assert page.url.split("#")[0] == server.url + "/notes/new"  # (#draft=<id> is the draft's)
    assert page.evaluate(PENDING) == 0

    shortened = pasted[:19_990]
    body.fill(shortened)
    expect(counter).to_have_text(
        f"{20_000 - len(shortened.strip())} characters left (the limit is 20,000)."
    )
    device.save(page)
    device.saved_on_device(page)
    stored = page.evaluate(
        "async () => (await kxStore.tx(['outbox'], 'readonly',"
        " t => kxStore.all(t.objectStore('outbox')))).map(m => m.data && m.data.body)"
    )
    assert shortened in stored


def test_the_phones_london_day_and_clock_agree_with_the_servers_and_intl(
    phone: tuple[BrowserContext, Page], server: LiveServer
) -> None:
    """page/dates.js works out London's day by the UK's summer-time rule and format.js writes
    times by hand (no Intl at start-up): around every clock change from 2024 to 2040, and at
    London's midnights, the day is the one zoneinfo gives the server, and the clock and short
    day read as Chromium's en-GB formatting writes them."""
    _, page = phone
    page.goto(server.url + "/time/new")
    london, instants = ZoneInfo("Europe/London"), []
    for year in range(2024, 2041):
        for month in (3, 10):
            last = max(
                datetime(year, month, d, 1, tzinfo=UTC)
                for d in range(25, 32)
                if datetime(year, month, d).weekday() == 6
            )
            for minutes in (-61, -60, -1, 0, 1, 59, 60, 23 * 60 - 1, 23 * 60, 23 * 60 + 1):
                instants.append(last + timedelta(minutes=minutes))
        for month in (1, 6, 12):
            midnight = datetime(year, month, 15, tzinfo=london)
            instants += [midnight - timedelta(seconds=1), midnight, midnight + timedelta(hours=1)]
    ms = [round(i.timestamp() * 1000) for i in instants]
    got = page.evaluate(
        """(all) => all.map(ms => [kx.dates.today(ms), kx.format.clock(ms),
             new Date(ms).toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'}),
             kx.format.shortDay(ms),
             new Date(ms).toLocaleDateString('en-GB',
               {weekday: 'short', day: 'numeric', month: 'short'})])""",
        ms,
    )
    for instant, (day, clock, intl_clock, short, intl_short) in zip(instants, got, strict=True):
        assert day == instant.astimezone(london).date().isoformat(), instant
        assert clock == intl_clock, instant
        assert short == intl_short, instant


def test_with_the_clock_two_days_on_the_time_form_starts_on_the_new_today(
    offline: Page, server: LiveServer
) -> None:
    page = offline
    later = datetime.now(UTC) + timedelta(days=2)
    page.clock.set_system_time(later)
    try:
        today = later.astimezone(ZoneInfo("Europe/London")).date()
        page.goto(server.url + "/time/new")
        date = device.field(page, "date")
        expect(date).to_have_value(today.isoformat())
        expect(date).to_have_attribute("max", (today + timedelta(days=1)).isoformat())
        assert page.evaluate("() => document.querySelector('#f-date').validity.valid")
        device.field(page, "duration").fill("45m")
        device.field(page, "activity").select_option(index=1)
        device.save(page)
        device.saved_on_device(page)
        dates = page.evaluate(
            "async () => (await kxStore.tx(['outbox'], 'readonly',"
            " t => kxStore.all(t.objectStore('outbox')))).filter(m => m.kind === 'time.upsert')"
            ".map(m => m.data.date)"
        )
        assert today.isoformat() in dates
        # A day past the device's tomorrow is refused on the phone, in the server's words.
        page.goto(server.url + "/time/new")
        date.fill((today + timedelta(days=2)).isoformat())
        device.field(page, "duration").fill("45m")
        device.field(page, "activity").select_option(index=1)
        page.click("form[data-kind] button[type=submit]")
        assert summary_items(page) == ["Date cannot be more than a day in the future."]
        expect(page.locator("#f-date-error")).to_have_text(
            "Date cannot be more than a day in the future."
        )
    finally:
        page.clock.set_system_time(datetime.now(UTC))


def test_without_javascript_the_server_keeps_a_long_note_and_says_why(
    browser: Browser, server: LiveServer
) -> None:
    context = new_phone(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, server)
        page.goto(server.url + "/notes/new")
        device.field(page, "title").fill("No script")
        body = "b" * 25_000
        device.field(page, "body").fill(body)
        assert len(device.field(page, "body").input_value()) == 25_000  # no maxlength to cut it
        page.click("form[data-kind] button[type=submit]")
        assert summary_items(page) == ["Note can be at most 20,000 characters; it is 25,000."]
        assert device.field(page, "body").input_value().strip() == body
        assert not device.rows(server, "SELECT id FROM note WHERE title = 'No script'")
        assert re.search(r"/notes", page.url)
    finally:
        context.close()

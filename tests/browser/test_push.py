"""Notifications in Chromium, end to end as far as this machine allows:

1. Pat opens "Notifications" (no permission prompt on load; axe finds nothing), turns off her
   quiet hours and keeps "Feedback" on, and this device's subscription reaches the server
   through the page's own session and CSRF token. (Chromium cannot make a real subscription
   here: Playwright's contexts are incognito, where Chromium has no Push API, and a profile's
   subscribe waits on Google's registration service, which this machine cannot reach. So the
   subscription is a test push service's: tests/pushservice.py, on 127.0.0.1.)
2. Lee leaves feedback on her shared entry through the form; the server's in-process worker
   sends the push with pywebpush, and the test push service checks its VAPID JWT and decrypts
   it: a title, a generic body and a path, nothing of the entry.
3. That decrypted payload is pushed into Pat's service worker through the DevTools protocol
   (``ServiceWorker.deliverPushMessage``, as DevTools' "Push" button does); the worker shows
   the notification with the app's icon and tells the page.
4. A tap (``notificationclick``) takes Pat's open window to the notification's page.

On the way, Lee adds a reflection-group session with its reading (axe finds nothing there).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect

from kexpwa.push import types, vapid
from tests import pushservice
from tests.browser.conftest import LiveServer, copy_demo, new_phone, sign_in
from tests.browser.device import axe_violations, poll, wait_for_worker
from tests.pushservice import PushService

pytestmark = pytest.mark.browser
TITLE = "Notes on a hard conversation with Robin"
COMMENT = "You stayed with the silence: well done, Pat."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Iterator[LiveServer]:
    """One server for the module, on a copy of the session's demo deployment (whose `kexpwa
    init` wrote the VAPID key pair into the config)."""
    live = LiveServer(tmp_path_factory.mktemp("push") / "data")
    copy_demo(demo_data, live.data_dir)
    live.settings = {"KEXPWA_PUSH_ALLOW_HTTP_LOOPBACK": "true", "KEXPWA_INPROCESS_WORKER": "true"}
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def service(server: LiveServer) -> Iterator[PushService]:
    with pushservice.running(vapid.public_key(server.config.vapid_private_key)) as running:
        yield running


def _share(browser: Browser, server: LiveServer) -> str:
    """Pat (a plain form post, no JavaScript) writes a journal entry shared with Lee."""
    writer = new_phone(browser, java_script_enabled=False)
    try:
        page = writer.new_page()
        sign_in(page, server, username="pat")
        page.goto(server.url + "/journal/new?template=fook_gardner")
        page.get_by_label("Title", exact=True).fill(TITLE)
        page.get_by_label("The incident").fill("Robin went quiet when I asked about school.")
        page.get_by_label("Share with my team lead").check()
        page.get_by_role("button", name="Save entry").click()
        page.wait_for_url(re.compile(re.escape(server.url) + "/journal/[0-9a-f-]{36}$"))
        return page.url.rsplit("/", 1)[1]
    finally:
        writer.close()


SUBSCRIBE = """async ([url, body]) => {
    const token = document.querySelector('meta[name="csrf-token"]').content;
    const r = await fetch(url, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
        body: JSON.stringify(body)});
    return [r.status, await r.json()];
}"""

CLICK = """async (path) => {
    const [note] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent("notificationclick", {notification: note}));
    // A script-made event cannot hold the worker open (waitUntil): stay until the window moved.
    for (let i = 0; i < 300; i++) {
        const list = await self.clients.matchAll({type: "window"});
        if (list.some((c) => new URL(c.url).pathname === path)) return true;
        await new Promise((r) => setTimeout(r, 50));
    }
    return false;
}"""


def _registration(context: BrowserContext, page: Page) -> tuple[CDPSession, str]:
    """A DevTools session on the page, and the id of its service worker registration."""
    cdp = context.new_cdp_session(page)
    found: list[dict[str, object]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: found.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 15
    while not [r for r in found if not r.get("isDeleted")] and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    live = [r for r in found if not r.get("isDeleted")]
    assert live, "no service worker registration reported"
    return cdp, str(live[0]["registrationId"])


def test_feedback_is_pushed_shown_by_the_worker_and_a_tap_opens_the_app(
    browser: Browser, server: LiveServer, service: PushService
) -> None:
    entry_id = _share(browser, server)
    pat_context = new_phone(browser)
    pat_context.grant_permissions(["notifications"], origin=server.url)
    lead_context = new_phone(browser)
    try:
        # 1. Pat's settings page: nothing asked on load; her choices; this device subscribes.
        pat = pat_context.new_page()
        sign_in(pat, server, username="pat")
        wait_for_worker(pat)
        pat.get_by_role("link", name="Notifications").click()
        pat.wait_for_url(server.url + "/notifications")
        expect(
            pat.get_by_role("button", name="Turn on notifications on this device")
        ).to_be_visible()
        expect(pat.locator("#push-state")).to_have_text("Notifications are off on your devices.")
        assert axe_violations(pat) == []
        pat.get_by_label("Quiet from").select_option("0")
        pat.get_by_label("until").select_option("0")
        pat.get_by_label("Quiet all weekend").uncheck()
        expect(pat.get_by_label("Feedback from your team lead")).to_be_checked()
        pat.get_by_role("button", name="Save my choices").click()
        expect(pat.get_by_role("status").filter(has_text="Your choices are saved.")).to_be_visible()
        browser_sub = service.browser("pat-phone").json()
        status, answer = pat.evaluate(
            SUBSCRIBE, [server.url + "/notifications/subscription", browser_sub]
        )
        assert (status, answer["devices"]) == (200, 1)
        pat.reload()
        expect(pat.locator("#push-state")).to_have_text(
            "Notifications are on for 1 of your devices."
        )

        # 2. Lee adds a reflection-group session to the calendar, then leaves feedback; the
        # server's worker pushes it to the test push service.
        lead = lead_context.new_page()
        sign_in(lead, server, username="lee")
        lead.goto(server.url + "/sessions")
        lead.get_by_label("Title").fill("Reflection group 2")
        lead.get_by_label("Date").fill("2030-03-04")
        lead.get_by_label("Time").fill("09:30")
        lead.get_by_label("Reading").fill("Fook and Gardner (2007), chapter 4.")
        lead.get_by_role("button", name="Add session").click()
        expect(lead.get_by_text("Fook and Gardner (2007), chapter 4.")).to_be_visible()
        assert axe_violations(lead) == []
        lead.goto(server.url + f"/team/entries/journal/{entry_id}")
        lead.get_by_label("Your feedback").fill(COMMENT)
        lead.get_by_role("button", name="Post feedback").click()
        expect(lead.locator("#feedback").get_by_text(COMMENT)).to_be_visible()
        deadline = time.monotonic() + 60  # the in-process worker polls every 5 s
        while not service.delivered() and time.monotonic() < deadline:
            lead.wait_for_timeout(200)
        assert not service.refused, service.refused
        [arrival] = service.delivered()
        kind = types.BY_NAME["feedback"]
        assert arrival.payload["title"] == kind.title and arrival.payload["url"] == "/"
        raw = json.dumps(arrival.payload)
        for private in ("Robin", "Pat", "Lee", "silence", TITLE):
            assert private not in raw

        # 3. The same payload reaches Pat's service worker, which shows it and tells the page.
        pat.evaluate(
            "() => { window.kxPushes = []; navigator.serviceWorker.addEventListener('message',"
            " (e) => { if (e.data.type === 'push') window.kxPushes.push(e.data); }); }"
        )
        cdp, registration = _registration(pat_context, pat)
        origin = server.url + "/"
        for _ in range(2):  # the same event twice: one notification, replaced
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": origin,
                    "registrationId": registration,
                    "data": json.dumps(arrival.payload),
                },
            )
        pushed = poll(pat, "() => window.kxPushes.length === 2 && window.kxPushes")
        assert pushed[0] == {"type": "push", "tag": arrival.payload["tag"], "url": "/"}
        shown = pat.evaluate(
            "async () => (await (await navigator.serviceWorker.ready).getNotifications())"
            ".map((n) => ({title: n.title, body: n.body, icon: n.icon, tag: n.tag, data: n.data}))"
        )
        assert len(shown) == 1
        assert shown[0]["title"] == kind.title and shown[0]["body"] == kind.body
        assert "/static/icons/icon-192.png" in shown[0]["icon"]
        assert shown[0]["tag"] == arrival.payload["tag"] and shown[0]["data"] == {"url": "/"}

        # 4. A tap takes her open window to the app's page for it.
        [worker] = pat_context.service_workers
        assert worker.evaluate(CLICK, "/")
        pat.wait_for_url(server.url + "/")
        expect(pat.get_by_role("heading", level=1)).to_be_visible()
    finally:
        pat_context.close()
        lead_context.close()
    assert "Traceback" not in server.log_text()

"""A long queue goes to the server in pushes as large as the server takes, from the first:
the client reads the limits from ``/api/session`` at the start of every sync run (and from
every push answer), instead of sending 50 until the first answer says more."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Request, Route

from tests.browser import device, steps
from tests.browser.conftest import LiveServer, Phone
from tests.browser.steps import PlaywrightTab

pytestmark = pytest.mark.browser

QUEUE = """async (n) => { for (let i = 0; i < n; i++) await kxStore.enqueue('note', 'upsert',
  kxStore.uuid(), {title: 'Queued ' + i, body: 'Met the family.', date: '2026-11-26'}, 0); }"""


def test_a_long_queue_goes_in_pushes_of_the_servers_size_from_the_first(
    phone: Phone, live_server: LiveServer
) -> None:
    page, context = phone.page, phone.context
    steps.start(PlaywrightTab(page), live_server)
    device.wait_all_synced(page)
    pushes: list[int] = []

    def count(route: Route, request: Request) -> None:
        if request.method == "POST":
            pushes.append(len(json.loads(request.post_data or "{}").get("mutations", [])))
        route.continue_()

    page.route("**/sync/push", count)
    device.go_offline(context, live_server)
    page.evaluate(QUEUE, 450)  # 2.25 pushes at the server's 200
    device.go_online(context, live_server)
    device.sync_now(page)
    device.wait_all_synced(page, timeout=60_000)
    assert pushes == [200, 200, 50], pushes
    queued = "SELECT count(*) FROM note WHERE title LIKE 'Queued %'"
    assert device.rows(live_server, queued) == [(450,)]

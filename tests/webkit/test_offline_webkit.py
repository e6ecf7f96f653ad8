"""The offline promise in real WebKit (issue 18): Debian's WebKitGTK, driven through WebDriver,
against a real server. The same story steps as the Chromium tests (tests/browser/steps.py).

The tests are one story on one WebKit session and one server, in order (each starts where the
last ended; the session is started once for the module). The phone talks to the server
through a proxy on its own port (tests/browser/proxy.py), so the network can also hang: accept
every connection and never answer. "The server stopped" is the server process stopped; WebKit
through WebDriver cannot pretend to be offline, so ``navigator.onLine`` stays true, as on a
phone with signal bars and no connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser import steps
from tests.browser.conftest import LiveServer
from tests.browser.proxy import LossyProxy
from tests.webkit import driver as wk
from tests.webkit.driver import SeleniumTab


@dataclass
class Via:
    """The server as the phone reaches it: through the proxy."""

    server: LiveServer
    proxy: LossyProxy

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def config(self) -> Any:
        return self.server.config


@pytest.fixture(scope="module")
def via(module_server: LiveServer) -> Iterator[Via]:
    proxy = LossyProxy(module_server.port).start()
    try:
        yield Via(module_server, proxy)
    finally:
        proxy.close()


@pytest.fixture
def server_back(via: Via) -> Iterator[LiveServer]:
    """The test may stop the server; it is running again afterwards, whatever happened."""
    try:
        yield via.server
    finally:
        via.proxy.hang = False
        if via.server.process is None or via.server.process.poll() is not None:
            via.server.start()


# What a stuck flush looks like, for the failure message.
LOCKS = """async () => ({held: (await navigator.locks.query()).held.map(x => x.name),
    error: kxSync.state.lastError, url: location.pathname})"""


def note_ids(via: Via) -> dict[str, str]:
    return {title: id_ for title, id_ in steps.rows(via, "SELECT title, id FROM note")}


def count(via: Via, sql: str, *params: Any) -> int:
    return int(steps.rows(via, sql, params)[0][0])


def test_1_sign_in_the_worker_controls_and_warms(tab: SeleniumTab, via: Via) -> None:
    steps.start(tab, via)
    assert tab.evaluate("() => !!navigator.serviceWorker.controller") is True
    # As in Safari: no Background Sync here, so the page's own triggers must do the work.
    assert tab.evaluate("async () => 'SyncManager' in self") is False


def test_2_server_stopped_cached_pages_and_the_offline_page(
    tab: SeleniumTab, via: Via, server_back: LiveServer
) -> None:
    server_back.stop()
    for path, expected in (
        ("/", "Hello"),
        ("/notes/new", "Save note"),
        ("/time/new", "Save time"),
        ("/journal/new?template=gibbs", "Description"),
    ):
        tab.goto(via.url + path)
        steps.wait_text(tab, "main", expected)
    tab.goto(via.url + "/somewhere/never/visited")
    steps.wait_text(tab, "main", "You are offline")


def test_3_queued_offline_kept_across_a_reload_then_synced_once_by_the_triggers(
    tab: SeleniumTab, via: Via, server_back: LiveServer
) -> None:
    times_before = count(via, "SELECT count(*) FROM time_entry")
    server_back.stop()
    steps.new_note(tab, via, "Written in WebKit offline")
    steps.new_time(tab, via, "1h 30")
    assert len(steps.queued_kinds(tab)) == 2
    tab.reload()
    steps.wait_counts(tab, pending=2)
    steps.wait_text(tab, "#sync-status", "2 entries waiting to sync")

    server_back.start()
    # No "Sync now": the page retries by itself after a failed attempt (and on start, on
    # becoming visible, and every 30 s).
    steps.wait_all_synced(tab, timeout=60)
    assert count(via, "SELECT count(*) FROM note WHERE title = 'Written in WebKit offline'") == 1
    assert count(via, "SELECT count(*) FROM time_entry") == times_before + 1
    assert steps.rows(via, "SELECT minutes FROM time_entry ORDER BY created_at DESC LIMIT 1") == [
        (90,)
    ]
    # Exactly once: another round sends nothing again.
    steps.sync_now(tab)
    tab.goto(via.url + "/notes")
    steps.wait_all_synced(tab)
    assert count(via, "SELECT count(*) FROM note WHERE title = 'Written in WebKit offline'") == 1
    assert count(via, "SELECT count(*) FROM time_entry") == times_before + 1


def test_6_a_hanging_network_falls_back_to_the_device(
    tab: SeleniumTab, via: Via, server_back: LiveServer
) -> None:
    via.proxy.hang = True
    try:
        tab.goto(via.url + "/notes/new")  # served from the cache after the worker's timeout
        steps.wait_text(tab, "main", "Save note")
        steps.new_note(tab, via, "Written on a hanging network")
        steps.wait_text(tab, "[data-list-kind=note]", "Waiting to sync")
        steps.sync_now(tab)  # a flush that hangs on the network
        tab.pause(1)
        tab.goto(via.url + "/notes")  # ...and the page is left in the middle of it
        steps.wait_text(tab, "[data-list-kind=note]", "Waiting to sync")
        steps.sync_now(tab)
        tab.pause(1)
    finally:
        via.proxy.hang = False  # the hung connections stay open and unanswered
    # A flush stuck on a request that never ends must not stop the next one for good.
    steps.sync_now(tab)
    try:
        steps.until(
            tab,
            lambda: steps.sync_now(tab) or steps.counts(tab)["pending"] == 0,
            "the queue to be sent once the network answers again",
            timeout=90,
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {tab.evaluate(LOCKS)}") from None
    assert count(via, "SELECT count(*) FROM note WHERE title = 'Written on a hanging network'") == 1
    via.proxy.release()


def test_4_a_conflict_from_a_second_webkit_session_resolved(
    tab: SeleniumTab, via: Via, server_back: LiveServer, display: wk.Display
) -> None:
    steps.new_note(tab, via, "Shared in WebKit")
    steps.wait_all_synced(tab)
    note_id = note_ids(via)["Shared in WebKit"]
    edit = f"{via.url}/notes/{note_id}/edit"
    tab.goto(edit)  # both phones have the edit page
    other_session = wk.launch(display)
    try:
        other = SeleniumTab(other_session)
        steps.start(other, via)
        other.goto(edit)
        steps.wait_text(other, "main", "Save")

        server_back.stop()
        steps.edit_note_body(tab, via, note_id, "This phone's wording")
        steps.edit_note_body(other, via, note_id, "The other phone's wording")
        server_back.start()
        steps.sync_now(other)
        steps.wait_all_synced(other)
    finally:
        other_session.quit()
    steps.sync_now(tab)
    steps.wait_all_synced(tab)
    steps.wait_counts(tab, attention=1)

    tab.goto(via.url + "/attention")
    steps.wait_text(tab, "#tray li", "This phone's wording")
    steps.wait_text(tab, "#tray li", "The other phone's wording")
    tab.press("Merge by hand")
    tab.fill("#tray textarea[name=body]", "Both wordings, merged")
    tab.press("Save and send")
    steps.sync_now(tab)
    steps.wait_counts(tab, pending=0, attention=0)
    bodies = steps.rows(via, "SELECT body FROM note WHERE id = ?", (note_id,))
    assert bodies == [("Both wordings, merged",)]


def test_5_sign_out_with_a_queue_warns_then_leaves_nothing(
    tab: SeleniumTab, via: Via, server_back: LiveServer
) -> None:
    server_back.stop()
    steps.new_note(tab, via, "Written just before signing out")
    tab.click("form[data-signout] button")
    steps.wait_text(tab, "#signout-warning", "1 entry has")
    # Signing out needs the server. Back, it may take the entry before the confirmation (the
    # page keeps retrying): either way nothing of it may stay on the device.
    server_back.start()
    tab.click("#signout-warning [data-action=signout-confirm]")
    steps.wait_url(tab, lambda url: bool(re.search(r"/login$", url)))
    assert steps.until(
        tab,
        lambda: steps.storage_left(tab) == {"databases": 0, "page_caches": 0},
        "IndexedDB and Cache Storage to be empty",
    )

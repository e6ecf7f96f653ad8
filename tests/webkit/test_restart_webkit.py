"""Scenario 7 in real WebKit: the browser closed mid-typing and opened again on the same
profile with the server down; the draft and the queue survive, and sync once it is back.

MiniBrowser in automation mode keeps nothing on disk, so this module drives ``launcher.py``
(a WebKitGTK browser with a persistent profile) through the same WebDriver.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser import steps
from tests.browser.conftest import LiveServer
from tests.webkit import driver as wk


@pytest.fixture
def server(module_server: LiveServer) -> LiveServer:
    return module_server


def test_7_closed_mid_typing_and_reopened_offline_keeps_the_draft_and_the_queue(
    display: wk.Display, server: LiveServer, tmp_path: Path
) -> None:
    if not wk.launcher_ready():
        if os.environ.get("CI") != "true":
            pytest.skip(
                f"the restart test needs {wk.LAUNCHER_NEEDS} (outside CI; in CI this fails)"
            )
        pytest.fail(f"the restart test needs {wk.LAUNCHER_NEEDS}")
    profile = tmp_path / "profile"
    browser = wk.launch(display, profile)
    try:
        tab = wk.SeleniumTab(browser)
        # Known weakness, not the story under test: with a fresh profile on disk, signing in
        # while the first worker is still installing left it installing for good in 2-4 of 8
        # launches (never with MiniBrowser's in-memory profile). So the worker is let finish
        # on the sign-in page first. See the README's "What is tested automatically".
        tab.goto(server.url + "/login")
        steps.poll(
            tab,
            "async () => { const r = await navigator.serviceWorker.getRegistration();"
            " return !!(r && r.active && r.active.state === 'activated'); }",
            timeout=60,
        )
        steps.start(tab, server)
        server.stop()
        steps.new_note(tab, server, "Queued before the restart")
        tab.goto(server.url + "/notes/new")
        tab.fill(steps.field("title"), "Typed when the battery died")
        tab.fill(steps.field("body"), "Half a thought")
        steps.wait_counts(tab, drafts=1, pending=1)
    finally:
        browser.quit()  # the browser is gone mid-typing

    browser = wk.launch(display, profile)
    try:
        tab = wk.SeleniumTab(browser)
        tab.goto(server.url + "/notes/new")  # the server is still down: from the device
        steps.wait_text(tab, "main", "Save note")
        tab.click(".draft-others a")  # a new form links to the unfinished one
        steps.until(
            tab,
            lambda: tab.value(steps.field("title")) == "Typed when the battery died",
            "the draft to be restored",
        )
        steps.wait_text(tab, ".draft-note", "Draft restored")
        assert steps.counts(tab)["pending"] == 1

        server.start()
        steps.sync_now(tab)
        steps.wait_all_synced(tab, timeout=60)
        queued = "SELECT count(*) FROM note WHERE title = 'Queued before the restart'"
        assert steps.rows(server, queued) == [(1,)]
        # The draft stays a draft: nothing unsaved is sent.
        assert steps.rows(server, "SELECT count(*) FROM note WHERE title LIKE 'Typed when%'") == [
            (0,)
        ]
        assert steps.counts(tab)["drafts"] == 1
        assert re.search(r"/notes/new", tab.url)
    finally:
        browser.quit()

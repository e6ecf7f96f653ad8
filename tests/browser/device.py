"""Helpers for offline tests: the service worker, going offline for real, the device's store,
and the server's rows read straight from its SQLite files."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import LiveServer

COUNTS = "async () => await window.kxStore.counts()"


def poll(page: Page, script: str, arg: Any = None, timeout: float = 30_000) -> Any:
    """Evaluate an async ``script`` until it returns something truthy. (``wait_for_function``
    does not await a returned promise, so an async predicate would pass at once.)"""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            value = page.evaluate(script, arg)
        except PlaywrightError as exc:  # the page is reloading; ask again once it has
            if not any(m in str(exc) for m in ("context was destroyed", "navigat", "not defined")):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script[:120]}")
        page.wait_for_timeout(100)


def wait_for_worker(page: Page) -> None:
    # Not wait_for_function: its string predicates are evaluated with eval, which the app's
    # CSP (rightly) refuses.
    # 60 s: installing precaches every static asset, which takes long on a loaded machine.
    poll(page, "() => navigator.serviceWorker.controller !== null", timeout=60_000)


def wait_cached(page: Page, *paths: str) -> None:
    """Until the worker holds these pages in this user's cache (warmed on start)."""
    poll(
        page,
        """async (paths) => {
            const names = (await caches.keys()).filter(n => n.startsWith('kexpwa-pages-'));
            if (!names.length) return false;
            const cache = await caches.open(names[0]);
            for (const p of paths) { if (!(await cache.match(p))) return false; }
            return true;
        }""",
        list(paths),
    )


def go_offline(context: BrowserContext, server: LiveServer) -> None:
    """Offline for real: the server stops (so the worker's own fetches fail too), and the
    browser reports being offline."""
    server.stop()
    context.set_offline(True)


def go_online(context: BrowserContext, server: LiveServer) -> None:
    server.start()
    context.set_offline(False)


def counts(page: Page) -> dict[str, int]:
    result: dict[str, int] = page.evaluate(COUNTS)
    return result


def wait_all_synced(page: Page, timeout: float = 30_000) -> None:
    poll(
        page,
        "async () => { const c = await window.kxStore.counts(); return c.pending === 0; }",
        timeout=timeout,
    )


def sync_now(page: Page) -> None:
    """Press "Sync now" (the page may be reloading after a worker update: wait and retry)."""
    poll(page, "() => { window.kxSync.resetBackoff(); window.kx.flush(true); return true; }")


def rows(
    server: LiveServer, sql: str, params: tuple[Any, ...] = (), slug: str = "edinburgh"
) -> list[tuple[Any, ...]]:
    path = server.config.authority(slug).url.removeprefix("sqlite://")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def idb_dump(page: Page) -> dict[str, int]:
    """How many rows each IndexedDB store and how many kexpwa caches the browser holds."""
    result: dict[str, int] = page.evaluate(
        """async () => {
            const out = {};
            const dbs = indexedDB.databases ? await indexedDB.databases() : [];
            out.databases = dbs.filter(d => /^kexpwa(-|$)/.test(d.name)).length;
            const names = await caches.keys();
            out.page_caches = names.filter(n => n.startsWith('kexpwa-pages-')).length;
            return out;
        }"""
    )
    return result


def wait_wiped(page: Page, timeout: float = 10_000) -> None:
    """Until the device holds no kexpwa database and no page cache. A wipe's deletion of the
    database completes once every connection to it has closed: the worker closes its own when
    told (``versionchange``), a moment after the page's request on a loaded machine."""
    poll(
        page,
        """async () => {
            const dbs = indexedDB.databases ? await indexedDB.databases() : [];
            const pages = (await caches.keys()).filter(n => n.startsWith('kexpwa-pages-'));
            return !dbs.some(d => /^kexpwa(-|$)/.test(d.name)) && pages.length === 0;
        }""",
        timeout=timeout,
    )


def field(page: Page, name: str) -> Any:
    return page.locator(f'form[data-kind] [name="{name}"]')


def fill_note(page: Page, title: str, body: str = "Notes from the visit.") -> None:
    field(page, "title").fill(title)
    field(page, "body").fill(body)


def save(page: Page) -> None:
    """Save the form: the entry goes to the device's outbox, then the list opens."""
    page.click("form[data-kind] button[type=submit]")
    page.wait_for_url(lambda url: "/new" not in url and "/edit" not in url, timeout=15_000)


def saved_on_device(page: Page) -> None:
    expect(page.locator("#status")).to_contain_text("Saved on this device", timeout=15_000)


AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """WCAG 2.2 AA violations on the page. axe is evaluated through the DevTools protocol,
    which the page's CSP does not govern, so the app's real CSP stays on."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate("(source) => { (0, eval)(source); }", AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" "))}));
        }""",
        AXE_TAGS,
    )
    return found

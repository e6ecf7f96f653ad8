"""The offline stories' steps, written once for every engine.

A step takes a ``Tab``: the few things a test does to a page (go to a URL, fill, click, read
text, run an async script). ``PlaywrightTab`` adapts a Playwright page (Chromium, in
``tests/browser/``); ``tests/webkit/driver.py`` adapts a Selenium session (WebKit). The steps
read the same whichever engine runs them; only the adapter differs.

Scripts passed to ``Tab.evaluate`` are the source of a (possibly async) JavaScript function of
one argument, as Playwright's ``page.evaluate`` takes them.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from typing import Any, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.browser.conftest import DEMO_PASSWORD

WARM = ("/", "/notes", "/notes/new", "/time/new", "/journal/new?template=gibbs", "/journal")
FORM = "form[data-kind]"


class Tab(Protocol):
    """One page of one browser, whatever the engine."""

    @property
    def url(self) -> str: ...
    def goto(self, url: str) -> None: ...
    def reload(self) -> None: ...
    def fill(self, selector: str, value: str) -> None: ...
    def select(self, selector: str, index: int) -> None: ...
    def check(self, selector: str) -> None: ...
    def click(self, selector: str) -> None: ...
    def press(self, button: str) -> None: ...
    def text(self, selector: str) -> str: ...
    def value(self, selector: str) -> str: ...
    def visible(self, selector: str) -> bool: ...
    def evaluate(self, script: str, arg: Any = None) -> Any: ...
    def pause(self, seconds: float) -> None: ...


class Server(Protocol):
    @property
    def url(self) -> str: ...


class PlaywrightTab:
    """A Playwright page as a ``Tab`` (Chromium)."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def url(self) -> str:
        return self.page.url

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def reload(self) -> None:
        self.page.reload()

    def fill(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)

    def select(self, selector: str, index: int) -> None:
        self.page.locator(selector).select_option(index=index)

    def check(self, selector: str) -> None:
        self.page.check(selector)

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def press(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).first.click()

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text()

    def value(self, selector: str) -> str:
        return self.page.locator(selector).first.input_value()

    def visible(self, selector: str) -> bool:
        return self.page.locator(selector).first.is_visible()

    def evaluate(self, script: str, arg: Any = None) -> Any:
        try:
            return self.page.evaluate(script, arg)
        except PlaywrightError as exc:  # the page is navigating: say so the same way
            if any(m in str(exc) for m in ("context was destroyed", "navigat", "not defined")):
                raise Navigating(str(exc)) from exc
            raise

    def pause(self, seconds: float) -> None:
        self.page.wait_for_timeout(seconds * 1000)


class Navigating(Exception):
    """The script could not run because the page was between documents: ask again."""


def until(tab: Tab, check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Call ``check`` until it returns something truthy (a page being replaced counts as not
    yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Navigating:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        tab.pause(0.1)


def poll(tab: Tab, script: str, arg: Any = None, timeout: float = 30.0) -> Any:
    """Evaluate an async ``script`` until it returns something truthy."""
    return until(tab, lambda: tab.evaluate(script, arg), script[:120], timeout)


def wait_text(tab: Tab, selector: str, text: str | re.Pattern[str], timeout: float = 15.0) -> str:
    last = [""]

    def found() -> str | None:
        try:
            seen = tab.text(selector)
        except Navigating:
            return None
        except Exception:  # not there yet (each engine names it its own way)
            return None
        last[0] = seen
        ok = text.search(seen) if isinstance(text, re.Pattern) else text in seen
        return seen if ok else None

    try:
        result: str = until(tab, found, f"{text!r} in {selector}", timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc} on {tab.url}; it says: {last[0][:300]!r}") from None
    return result


def wait_url(tab: Tab, test: Callable[[str], bool], timeout: float = 15.0) -> str:
    result: str = until(tab, lambda: tab.url if test(tab.url) else None, "the next page", timeout)
    return result


# --- signing in and the service worker ---------------------------------------------------


def sign_in(tab: Tab, server: Server, authority: str = "edinburgh", username: str = "pat") -> None:
    """Sign in through the real form as a demo user; ends on the home page."""
    tab.goto(server.url + "/login")
    tab.evaluate(
        "(a) => { document.querySelector('#authority').value = a; }", authority
    )  # a <select>: the same in every engine
    tab.fill("#username", username)
    tab.fill("#password", DEMO_PASSWORD)
    tab.click("button[type=submit]")
    wait_url(tab, lambda url: url.rstrip("/") == server.url)


def wait_for_worker(tab: Tab) -> None:
    # 60 s: installing precaches every static asset, which takes long on a loaded machine.
    poll(tab, "() => navigator.serviceWorker.controller !== null", timeout=60)


def wait_cached(tab: Tab, *paths: str) -> None:
    """Until the worker holds these pages in this user's cache (warmed on start)."""
    poll(
        tab,
        """async (paths) => {
            const names = (await caches.keys()).filter(n => n.startsWith('kexpwa-pages-'));
            if (!names.length) return false;
            const cache = await caches.open(names[0]);
            for (const p of paths) { if (!(await cache.match(p))) return false; }
            return true;
        }""",
        list(paths),
        timeout=60,
    )


def start(tab: Tab, server: Server, username: str = "pat") -> None:
    """Scenario 1: sign in; the worker controls the page and has warmed the capture pages."""
    sign_in(tab, server, username=username)
    wait_for_worker(tab)
    wait_cached(tab, *WARM)


# --- the device's store ------------------------------------------------------------------


def counts(tab: Tab) -> dict[str, int]:
    return poll(tab, "async () => await window.kxStore.counts()")  # type: ignore[no-any-return]


def wait_counts(tab: Tab, timeout: float = 30.0, **expected: int) -> None:
    script = "async (e) => { const c = await window.kxStore.counts();"
    script += " return Object.keys(e).every(k => c[k] === e[k]); }"
    poll(tab, script, expected, timeout=timeout)


def wait_all_synced(tab: Tab, timeout: float = 30.0) -> None:
    wait_counts(tab, timeout=timeout, pending=0)


def sync_now(tab: Tab) -> None:
    """Press "Sync now" (the page may be reloading: wait and retry)."""
    poll(tab, "() => { window.kxSync.resetBackoff(); window.kx.flush(true); return true; }")


def queued_kinds(tab: Tab) -> list[str]:
    return tab.evaluate(  # type: ignore[no-any-return]
        "async () => (await kxStore.tx(['outbox'], 'readonly',"
        " t => kxStore.all(t.objectStore('outbox')))).map(m => m.kind).sort()"
    )


def storage_left(tab: Tab) -> dict[str, int]:
    """How many kexpwa IndexedDB databases and page caches the browser holds."""
    return tab.evaluate(  # type: ignore[no-any-return]
        """async () => {
            const dbs = indexedDB.databases ? await indexedDB.databases() : [];
            const names = await caches.keys();
            return {databases: dbs.filter(d => /^kexpwa(-|$)/.test(d.name)).length,
                    page_caches: names.filter(n => n.startsWith('kexpwa-pages-')).length};
        }"""
    )


# --- capture -----------------------------------------------------------------------------


def field(name: str) -> str:
    return f'{FORM} [name="{name}"]'


def save(tab: Tab) -> None:
    """Save the form: the entry goes to the device's outbox, then the list opens. (30 s: once,
    at the end of a whole-suite run, WPE 2.38 had not left the form after 15 s; the failure
    now says where the page was and what the form's status line said.)"""
    tab.click(f"{FORM} button[type=submit]")
    try:
        wait_url(tab, lambda url: "/new" not in url and "/edit" not in url, timeout=30.0)
    except AssertionError as exc:
        said = tab.evaluate(
            "() => [location.pathname, (document.querySelector('#status') || {}).textContent"
            " || '', (document.querySelector('.error-summary') || {}).textContent || '',"
            " !!(navigator.serviceWorker && navigator.serviceWorker.controller)]"
        )
        raise AssertionError(f"{exc}; page, status, errors, worker: {said!r}") from None


def new_note(tab: Tab, server: Server, title: str, body: str = "Notes from the visit.") -> None:
    tab.goto(server.url + "/notes/new")
    tab.fill(field("title"), title)
    tab.fill(field("body"), body)
    save(tab)
    wait_url(tab, lambda url: url.endswith("/notes"))


def new_time(tab: Tab, server: Server, duration: str = "1h 30") -> None:
    tab.goto(server.url + "/time/new")
    tab.fill(field("duration"), duration)
    tab.select(field("activity"), 1)
    tab.check("#f-own-time-own")
    save(tab)


def edit_note_body(tab: Tab, server: Server, note_id: str, body: str) -> None:
    tab.goto(f"{server.url}/notes/{note_id}/edit")
    tab.fill(field("body"), body)
    save(tab)


# --- the server's side -------------------------------------------------------------------


class HasConfig(Protocol):
    @property
    def config(self) -> Any: ...


def rows(
    server: HasConfig, sql: str, params: tuple[Any, ...] = (), slug: str = "edinburgh"
) -> list[tuple[Any, ...]]:
    path = server.config.authority(slug).url.removeprefix("sqlite://")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()

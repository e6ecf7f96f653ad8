"""A shared phone never mixes people (issue 9, item 1), in real Chromium against a real server.

A writes an entry with no signal; A's session then ends without "Sign out" (the session cookie
goes, as when it expires). B signs in on the same browser, does NOT delete A's entries on the
warning, and every sync trigger fires: "Sync now", the ``online`` event, the page becoming
visible and the worker's own flush. A's entry must never reach the server under B, B must never
be shown a page from A's cache, and when A signs in again A's entry syncs exactly once, as A's.
Once in the same council, once across councils.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import device
from tests.browser.conftest import LiveServer, copy_demo, new_phone, sign_in

pytestmark = pytest.mark.browser

AUTHORITIES = ("edinburgh", "east-lothian")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Iterator[LiveServer]:
    """One demo deployment for the module (both tests use their own titles and users)."""
    live = LiveServer(Path(tmp_path_factory.mktemp("shared-phone")) / "data")
    copy_demo(demo_data, live.data_dir)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def owners_of(server: LiveServer, title: str) -> list[tuple[str, str]]:
    """(authority, username) of every server row with this note title, in every council."""
    found: list[tuple[str, str]] = []
    for slug in AUTHORITIES:
        rows = device.rows(
            server,
            'SELECT u.username FROM note n JOIN "user" u ON u.id = n.owner_id WHERE n.title = ?',
            (title,),
            slug=slug,
        )
        found += [(slug, name) for (name,) in rows]
    return found


def wait_on_server(page: Page, server: LiveServer, title: str) -> None:
    """Until a note with this title is on the server (in any council)."""
    for _ in range(300):
        if owners_of(server, title):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{title!r} never reached the server")


def user_key(page: Page) -> str:
    key = page.get_attribute('meta[name="kexpwa-user"]', "content")
    assert key
    return key


def every_cached_page_is_its_owners(page: Page) -> dict[str, int]:
    """For each per-user page cache, how many of its pages were rendered for someone else."""
    result: dict[str, int] = page.evaluate(
        """async () => {
            const out = {};
            for (const name of await caches.keys()) {
                if (!name.startsWith('kexpwa-pages-')) continue;
                const key = name.slice('kexpwa-pages-'.length);
                const cache = await caches.open(name);
                let foreign = 0;
                for (const request of await cache.keys()) {
                    const html = await (await cache.match(request)).text();
                    const m = html.match(/name="kexpwa-user" content="([^"]*)"/);
                    if (!m || m[1] !== key) foreign += 1;
                }
                out[key] = foreign;
            }
            return out;
        }"""
    )
    return result


def fire_every_trigger(page: Page) -> None:
    """Every way a flush starts: the status line's "Sync now", the online event, the page
    becoming visible, and the worker flushing by itself (as Background Sync would)."""
    page.click("#sync-status [data-action=sync-now]")
    page.evaluate(
        """() => {
            window.dispatchEvent(new Event('online'));
            document.dispatchEvent(new Event('visibilitychange'));
            navigator.serviceWorker.controller.postMessage({type: 'FLUSH'});
        }"""
    )


def new_note(page: Page, server: LiveServer, title: str) -> None:
    page.goto(server.url + "/notes/new")
    device.fill_note(page, title)
    device.save(page)
    page.wait_for_url(re.compile(r".*/notes$"))


@pytest.mark.parametrize(
    ("b_authority", "b_username"),
    [("edinburgh", "sam"), ("east-lothian", "morgan")],
    ids=["same-council", "across-councils"],
)
def test_a_queue_is_only_sent_by_its_writer(
    browser: Browser, server: LiveServer, b_authority: str, b_username: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    seen, queued, b_note = f"Seen by A {tag}", f"Queued by A {tag}", f"B's own {tag}"
    context = new_phone(browser)
    page = context.new_page()
    try:
        # A works online (a page only A should ever see lands in A's cache), then offline.
        sign_in(page, server)
        device.wait_for_worker(page)
        a_key = user_key(page)
        new_note(page, server, seen)
        device.wait_all_synced(page)
        (seen_id,) = [
            i for (i,) in device.rows(server, "SELECT id FROM note WHERE title = ?", (seen,))
        ]
        a_only = f"/notes/{seen_id}/edit"
        page.goto(server.url + a_only)
        expect(page.locator("form[data-kind] [name=title]")).to_have_value(seen)
        device.poll(
            page,
            "async ([name, path]) => !!(await (await caches.open(name)).match(path))",
            [f"kexpwa-pages-{a_key}", a_only],
        )
        device.go_offline(context, server)
        new_note(page, server, queued)
        assert device.counts(page)["pending"] == 1

        # A's session ends without "Sign out"; the phone comes back online.
        context.clear_cookies()
        device.go_online(context, server)

        # B signs in on the same browser and leaves A's entries alone.
        sign_in(page, server, authority=b_authority, username=b_username)
        device.wait_for_worker(page)
        b_key = user_key(page)
        assert b_key != a_key
        fire_every_trigger(page)
        new_note(page, server, b_note)  # B's own work syncs: the flushes above have run
        fire_every_trigger(page)
        device.wait_all_synced(page)
        assert owners_of(server, b_note) == [(b_authority, b_username)]
        assert owners_of(server, queued) == []

        # B's pages are in B's cache only, and A's pages are never shown to B, even offline.
        page.goto(server.url + "/notes")
        device.poll(
            page,
            "async ([name]) => !!(await (await caches.open(name)).match('/notes'))",
            [f"kexpwa-pages-{b_key}"],
        )
        assert set(every_cached_page_is_its_owners(page).values()) <= {0}
        device.go_offline(context, server)
        page.goto(server.url + a_only)
        assert seen not in page.content()
        expect(page.locator("main")).to_contain_text("You are offline")
        page.goto(server.url + "/notes")
        assert "Pat Morrison" not in page.content()
        assert seen not in page.content()
        device.go_online(context, server)
        page.goto(server.url + "/")
        assert owners_of(server, queued) == []

        # B signs out; A signs in again, and A's entry goes to the server once, as A's.
        page.click("form[data-signout] button")
        page.wait_for_url(re.compile(r".*/login$"))
        sign_in(page, server)
        wait_on_server(page, server, queued)
        device.wait_all_synced(page)
        assert owners_of(server, queued) == [("edinburgh", "pat")]
        assert owners_of(server, seen) == [("edinburgh", "pat")]
    finally:
        context.close()


COPY_TO_LEGACY = """async (key) => {
    // Rebuild the layout of earlier versions: one database named "kexpwa" with the same rows.
    const stores = ['meta', 'outbox', 'attention', 'drafts', 'records'];
    const paths = {outbox: 'seq', attention: 'mutation_id', drafts: 'key', records: 'key'};
    const req = (r) => new Promise((ok, bad) => {
        r.onsuccess = () => ok(r.result);
        r.onerror = () => bad(r.error);
    });
    const open = (name) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => stores.forEach((s) => r.result.createObjectStore(
            s, s === 'meta' ? undefined : {keyPath: paths[s]}));
        return req(r);
    };
    const from = await open('kexpwa-' + key), to = await open('kexpwa'), dump = {};
    for (const s of stores) {
        const src = from.transaction(s).objectStore(s);
        dump[s] = [await req(src.getAll()), await req(src.getAllKeys())];
    }
    const t = to.transaction(stores, 'readwrite');
    for (const s of stores) {
        dump[s][0].forEach((row, i) => {
            if (s === 'meta') t.objectStore(s).put(row, dump[s][1][i]);
            else t.objectStore(s).put(row);
        });
    }
    await new Promise((ok) => { t.oncomplete = ok; });
    from.close(); to.close();
    await req(indexedDB.deleteDatabase('kexpwa-' + key));
    return (await indexedDB.databases()).map(d => d.name);
}"""


def test_an_update_keeps_what_the_single_database_of_earlier_versions_held(
    browser: Browser, server: LiveServer
) -> None:
    title = f"Queued before the update {uuid.uuid4().hex[:8]}"
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        device.wait_for_worker(page)
        device.wait_cached(page, "/notes/new")  # the form this phone opens offline
        key = user_key(page)
        device.go_offline(context, server)
        new_note(page, server, title)
        context.clear_cookies()
        context.set_offline(False)
        server.start()
        page.goto(server.url + "/login")  # no store is open on this page
        assert page.evaluate(COPY_TO_LEGACY, key) == ["kexpwa"]

        sign_in(page, server)
        wait_on_server(page, server, title)
        device.wait_all_synced(page)
        assert owners_of(server, title) == [("edinburgh", "pat")]
        names = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
        assert names == [f"kexpwa-{key}"]
    finally:
        context.close()


def test_client_mismatch_stops_and_says_so_instead_of_resending(
    browser: Browser, server: LiveServer
) -> None:
    title = f"Under a taken client id {uuid.uuid4().hex[:8]}"
    context = new_phone(browser)
    page = context.new_page()
    try:
        sign_in(page, server)
        device.wait_for_worker(page)
        new_note(page, server, f"Registers pat's client id {uuid.uuid4().hex[:8]}")
        device.wait_all_synced(page)
        taken = page.evaluate("kxStore.getMeta('client_id')")
        device.go_offline(context, server)  # so nothing answers 401 while the cookie goes
        context.clear_cookies()
        device.go_online(context, server)

        # Sam's store ends up with a client id the server holds for pat (as a store carried
        # over from an earlier version could): the server answers client_mismatch.
        sign_in(page, server, username="sam")
        device.wait_for_worker(page)
        page.evaluate("(id) => kxStore.setMeta('client_id', id)", taken)
        new_note(page, server, title)
        device.sync_now(page)
        expect(page.locator("#sync-status")).to_contain_text("Sync stopped")
        queued = page.evaluate(
            "async () => (await kxStore.tx(['outbox'], 'readonly',"
            " t => kxStore.all(t.objectStore('outbox')))).map(m => m.client_id)"
        )
        assert queued == [taken]  # kept as it was: not renumbered into a new client id
        assert page.evaluate("kxStore.getMeta('client_id')") == taken
        assert owners_of(server, title) == []
    finally:
        context.close()

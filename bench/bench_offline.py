"""The offline client in headless Chromium on a phone-sized viewport.

- cold first load: bytes on the wire (compressed) for the sign-in page's HTML, CSS and JS,
  against the 60 KB target;
- warm offline load: first contentful paint of the note form served by the service worker with
  the server down, as a ratio to the same page loaded online in the same run;
- save latency: queueing an entry in the outbox (strict IndexedDB transaction) with 1,000 records
  already stored, as a ratio to a plain relaxed IndexedDB put of the same record;
- flush: time to sync 500 queued entries once the server is back;
- identifier scan: ``kx.identifiers.scan`` of a 20,000-character entry (the note body's limit,
  bench/bench_identifiers.py's ``entry``) on the offline page, p50 and p95 against the 5 ms
  target, as a ratio to one plain ``/[0-9]+/g`` pass over the same text in the same run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench import harness
from bench.bench_identifiers import entry
from bench.harness import Budget
from kexpwa.demo import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update"]  # fmt: skip
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
TARGET_BYTES = 60 * 1024


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.port = env, harness.free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{harness.HOST}:{self.port}"

    def start(self) -> None:
        args = [sys.executable, "-m", "uvicorn", "kexpwa.app:asgi", "--factory", "--host",
                harness.HOST, "--port", str(self.port), "--no-access-log", "--log-level", "warning"]  # fmt: skip
        self.process = subprocess.Popen(
            args, cwd=harness.ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        harness._wait_until_healthy(self.url, "/healthz", self.process, 30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


@contextmanager
def server() -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="kexpwa-bench-") as folder:
        s = Server(harness.kexpwa_data_dir(Path(folder)))
        s.start()
        try:
            yield s
        finally:
            s.stop()


def poll(page: Page, script: str, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(50)
    raise RuntimeError(f"timed out: {script[:80]}")


def cold_bytes(page: Page, base: str) -> dict[str, float]:
    sizes: dict[str, int] = {}

    def finished(request: Any) -> None:
        if (
            request.resource_type in ("document", "stylesheet", "script")
            and not request.service_worker
        ):
            sizes[request.url] = (
                request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]
            )

    page.on("requestfinished", finished)
    page.goto(base + "/login")
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", finished)
    total = sum(sizes.values())
    return {"bytes": total, "kb": round(total / 1024, 1), "target_kb": 60,
            "ratio_to_target": round(total / TARGET_BYTES, 2), "requests": len(sizes)}  # fmt: skip


def sign_in(page: Page, base: str) -> None:
    page.select_option("#authority", "edinburgh")
    page.fill("#username", "pat")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    poll(page, "() => navigator.serviceWorker.controller !== null")
    poll(
        page,
        """async () => { const n = (await caches.keys()).find(k => k.startsWith('kexpwa-pages-'));
                   return n && !!(await (await caches.open(n)).match('/notes/new')); }""",
    )


FCP = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime || 0"


def paints(page: Page, url: str, times: int) -> list[float]:
    out = []
    for _ in range(times):
        page.goto(url)
        out.append(float(poll(page, FCP)))
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(harness.percentile(values, 50), 2),
            "p95_ms": round(harness.percentile(values, 95), 2), "n": len(values)}  # fmt: skip


SAVE = """async ([n, strict]) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const id = kxStore.uuid(), data = {title: 'Bench ' + i, body: 'x'.repeat(2000), date: '2026-11-26'};
    const t0 = performance.now();
    if (strict) await kxStore.enqueue('note', 'upsert', id, data, 0);
    else await kxStore.open().then(db => new Promise((ok, bad) => {
      const t = db.transaction(['drafts'], 'readwrite', {durability: 'relaxed'});
      t.objectStore('drafts').put({key: 'bench:' + id, fields: data}); t.oncomplete = ok; t.onerror = bad; }));
    times.push(performance.now() - t0);
  }
  return times;
}"""
FILL = """async (n) => kxStore.tx(['records'], 'readwrite', t => { const s = t.objectStore('records');
  for (let i = 0; i < n; i++) s.put({key: 'note:' + kxStore.uuid(), kind: 'note', version: 1,
    local_version: 1, data: {title: 'Stored ' + i, body: 'y'.repeat(1000)}}); })"""
SCAN = """([text, n]) => { const scan = [], plain = [];
  for (let i = 0; i < 10; i++) kx.identifiers.scan(text);
  for (let i = 0; i < n; i++) {
    let t0 = performance.now(); kx.identifiers.scan(text); scan.push(performance.now() - t0);
    t0 = performance.now(); text.match(/[0-9]+/g); plain.push(performance.now() - t0);
  }
  return [scan, plain, kx.identifiers.scan(text).length];
}"""
CLEAR = "async () => kxStore.tx(['outbox', 'drafts'], 'readwrite', t => { t.objectStore('outbox').clear(); t.objectStore('drafts').clear(); })"


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    with server() as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(**PHONE)
        page = context.new_page()
        cold = cold_bytes(page, srv.url)
        sign_in(page, srv.url)
        online = paints(page, srv.url + "/notes/new", 15)
        srv.stop()
        context.set_offline(True)
        offline = paints(page, srv.url + "/notes/new", 15)
        id_scan, id_plain, id_found = page.evaluate(SCAN, [entry(), 200])

        page.evaluate(FILL, 1000)
        baseline = page.evaluate(SAVE, [200, False])
        strict = page.evaluate(SAVE, [200, True])
        page.evaluate(CLEAR)

        page.evaluate(SAVE, [500, True])
        context.set_offline(False)
        srv.start()
        t0 = time.monotonic()
        page.evaluate("window.kxSync.resetBackoff(); window.kx.flush(true)")
        poll(page, "async () => (await kxStore.counts()).pending === 0", 300)
        flush_s = time.monotonic() - t0
        browser.close()
    save, put = summary(strict), summary(baseline)
    return harness.result(
        "offline",
        "Offline client in headless Chromium at 360x740 (SQLite server)",
        budget,
        cold_first_load=cold,
        warm_offline_fcp={"offline": summary(offline), "online_baseline": summary(online),
                          "ratio_p50": round(summary(offline)["p50_ms"] / max(summary(online)["p50_ms"], 0.01), 2)},
        save_latency={"outbox_strict": save, "baseline_relaxed_put": put,
                      "ratio_p95": round(save["p95_ms"] / max(put["p95_ms"], 0.01), 2),
                      "target_p95_ms": 100, "records_stored": 1000},
        identifier_scan={**summary(id_scan), "findings": id_found, "target_p95_ms": 5,
                         "baseline_plain_regex": summary(id_plain),
                         "ratio_p95": round(summary(id_scan)["p95_ms"] / max(summary(id_plain)["p95_ms"], 0.01), 1)},
        flush={"entries": 500, "seconds": round(flush_s, 2), "entries_per_s": round(500 / flush_s, 1)},
    )  # fmt: skip

"""Where a cold page load's main-thread time goes at 4x CPU (issue 17): a Chromium performance
trace (CDP Tracing through Playwright) of each page's first visit, in a fresh 360x740 context
with CDP ``Emulation.setCPUThrottlingRate`` 4 (Lighthouse's mobile budget), traced from the
navigation until 3 s after the load event (the worker's registration, warming and the start-up
flush run after load, and Lighthouse's TBT counts them until the page is quiet).

Per page: every main-thread task over 50 ms with its self time split by what it was (a
script's compile and run by file, style, layout, paint, HTML parse, garbage collection), the
sum over the tasks after the first contentful paint of their time over 50 ms (what Lighthouse
calls total blocking time, here measured rather than simulated), and the whole main thread's
busy time. These compare fairly before and after a change when taken in the same hour, since
the machine's load stretches every task alike.

    .venv/bin/python -m bench trace
    KEXPWA_BENCH_PAGES=/login,/notes KEXPWA_BENCH_CPU=1 .venv/bin/python -m bench trace
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
from collections import defaultdict
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from bench import harness
from bench.bench_lighthouse import _cookie
from bench.bench_offline import ARGS, CHROMIUM, PHONE, server
from bench.harness import Budget

RUNS = 3
LONG_MS = 50.0
PAGES: tuple[tuple[str, str], ...] = (
    ("", "/login"),
    ("pat", "/"),
    ("pat", "/notes"),
    ("pat", "/notes/new"),
    ("pat", "/time/new"),
    ("ada", "/admin/people"),
)
CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "toplevel",
    "v8",
    "v8.execute",
    "blink",
    "loading",
]
# Trace event name -> what it is; script work is labelled with its file.
KIND = {
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "parse CSS",
    "UpdateLayoutTree": "style",
    "RecalculateStyles": "style",
    "Layout": "layout",
    "PrePaint": "paint",
    "Paint": "paint",
    "Layerize": "paint",
    "UpdateLayer": "paint",
    "Commit": "paint",
    "MinorGC": "gc",
    "MajorGC": "gc",
    "V8.GC_SCAVENGER": "gc",
    "BlinkGC.AtomicPhase": "gc",
}
SCRIPT = {"EvaluateScript", "v8.compile", "v8.compileModule", "FunctionCall", "v8.run",
          "V8.Execute", "TimerFire", "FireIdleCallback", "FireAnimationFrame",
          "EventDispatch", "v8.callFunction", "RunMicrotasks", "v8.evaluateModule"}  # fmt: skip


def _short(url: str) -> str:
    path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
    return "/" + path.split("?")[0] if path else "(inline)"


def _main_thread(events: list[dict[str, Any]], base: str) -> tuple[int, int]:
    """(pid, tid) of the renderer main thread that loaded the page."""
    names = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }  # fmt: skip
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for e in events:
        key = (e.get("pid", 0), e.get("tid", 0))
        if key in names and e.get("name") == "ParseHTML":
            url = e.get("args", {}).get("beginData", {}).get("url", "")
            if url.startswith(base):
                counts[key] += 1
    if not counts:
        raise RuntimeError("no renderer main thread parsed the page")
    return max(counts, key=lambda k: counts[k])


def _label(e: dict[str, Any], script: str) -> tuple[str, str]:
    """(kind, the script it belongs to or '') for an event's self time."""
    name, data = e["name"], e.get("args", {}).get("data", {}) or {}
    if name in KIND:
        return KIND[name], ""
    if name in SCRIPT:
        url = data.get("url") or e.get("args", {}).get("fileName") or script
        what = "compile" if name.startswith("v8.compile") else "script"
        return what, _short(url) if url else script
    return "other", name


def breakdown(inside: list[dict[str, Any]]) -> dict[str, float]:
    """Self time (ms) of one task's nested events (sorted by start), by what each was."""
    self_ms: dict[str, float] = defaultdict(float)
    stack: list[tuple[dict[str, Any], tuple[str, str], float]] = []  # event, label, child ms

    def close(until: float) -> None:
        while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= until:
            ev, lab, kids = stack.pop()
            self_ms[" ".join(x for x in lab if x)] += max(0.0, ev["dur"] / 1000 - kids)
            if stack:
                p_ev, p_lab, p_kids = stack[-1]
                stack[-1] = (p_ev, p_lab, p_kids + ev["dur"] / 1000)

    for e in inside:
        close(e["ts"])
        kind, script = _label(e, stack[-1][1][1] if stack else "")
        if kind == "other" and stack and stack[-1][1][0] != "other":
            kind, script = stack[-1][1]
        stack.append((e, (kind, script), 0.0))
    close(float("inf"))
    return self_ms


def analyse(raw: bytes, base: str) -> dict[str, Any]:
    events: list[dict[str, Any]] = json.loads(raw)["traceEvents"]
    pid, tid = _main_thread(events, base)
    mine = [e for e in events if e.get("pid") == pid and e.get("tid") == tid]
    start = min(
        (e["ts"] for e in mine if e.get("name") == "ParseHTML"), default=min(e["ts"] for e in mine)
    )
    fcp = next(
        (e["ts"] for e in sorted(mine, key=lambda e: e["ts"])
         if e.get("name") == "firstContentfulPaint" and e["ts"] >= start), start,
    )  # fmt: skip
    spans = sorted(
        (e for e in mine if e.get("ph") == "X" and "dur" in e and e["ts"] >= start - 1000),
        key=lambda e: (e["ts"], -e["dur"]),
    )
    tasks = [e for e in spans if e["name"] in ("RunTask", "ThreadControllerImpl::RunTask")]
    # Keep outermost tasks only (a RunTask may nest inside another on this thread).
    outer: list[dict[str, Any]] = []
    for t in tasks:
        if outer and t["ts"] < outer[-1]["ts"] + outer[-1]["dur"]:
            continue
        outer.append(t)
    long_tasks, busy, blocking = [], 0.0, 0.0
    for t in outer:
        ms = t["dur"] / 1000
        busy += ms
        if t["ts"] >= fcp:
            blocking += max(0.0, ms - LONG_MS)
        if ms <= LONG_MS:
            continue
        inside = [
            e for e in spans if t["ts"] <= e["ts"] and e["ts"] + e["dur"] <= t["ts"] + t["dur"]
        ]
        self_ms = breakdown(inside)
        top = sorted(((round(v, 1), k) for k, v in self_ms.items() if v >= 1.0), reverse=True)
        long_tasks.append({
            "at_ms": round((t["ts"] - start) / 1000), "ms": round(ms, 1),
            "after_fcp": t["ts"] >= fcp, "self_ms": {k: v for v, k in top[:8]},
        })  # fmt: skip
    return {"fcp_ms": round((fcp - start) / 1000), "busy_ms": round(busy),
            "blocking_ms": round(blocking), "long_tasks": long_tasks}  # fmt: skip


def trace_once(browser: Browser, base: str, path: str, cookie: str, rate: float) -> dict[str, Any]:
    context = browser.new_context(**PHONE)
    if cookie:
        for part in cookie.split("; "):
            name, _, value = part.partition("=")
            context.add_cookies([{"name": name, "value": value, "url": base}])
    page = context.new_page()
    page.goto(base + "/healthz")  # same origin first, so the throttled renderer is the page's
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    browser.start_tracing(page=page, categories=CATEGORIES)
    page.goto(base + path, wait_until="load")
    page.wait_for_timeout(3000)
    raw = browser.stop_tracing()
    context.close()
    return analyse(raw, base)


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    rate = float(os.environ.get("KEXPWA_BENCH_CPU", "4"))
    chosen = os.environ.get("KEXPWA_BENCH_PAGES")
    pages = [p for p in PAGES if not chosen or p[1] in chosen.split(",")]
    with server() as srv:
        cookies = {who: asyncio.run(_cookie(srv.url, who)) for who in {w for w, _ in pages} if who}
        results = traces(srv.url, pages, cookies, rate)
    return harness.result(
        "trace",
        f"Cold load main-thread tasks at {rate:g}x CPU (Chromium trace), median of {RUNS}",
        budget,
        cpu_rate=rate,
        pages=results,
    )


def traces(
    base: str, pages: list[tuple[str, str]], cookies: dict[str, str], rate: float
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for who, path in pages:
            runs = [trace_once(browser, base, path, cookies.get(who, ""), rate)
                    for _ in range(RUNS)]  # fmt: skip
            ordered = sorted(runs, key=lambda r: r["blocking_ms"])
            results[f"{who or 'nobody'} {path}"] = {
                "blocking_ms_runs": [r["blocking_ms"] for r in runs],
                "median_blocking_ms": statistics.median(r["blocking_ms"] for r in runs),
                "median_busy_ms": statistics.median(r["busy_ms"] for r in runs),
                "median_run": ordered[len(ordered) // 2],
            }
        browser.close()
    return results

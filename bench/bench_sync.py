"""Sync over real HTTP to uvicorn, on SQLite and on PostgreSQL:

- push: 5,000 notes of 1.5 to 2.5 KB from one device, in pushes of the server's limit;
  notes per second, requests, and the ratio of its time to a raw bulk insert of the same rows
  through the same driver in one transaction (target: at most 2x), and to the database
  floor of an exactly-once push: the same rows plus one log row each, with the device's seq
  moved, in one transaction per ``sync.push.CHUNK`` notes, as the push commits them;
- edits: 100 edits of existing notes in one push, against a raw update of 100 rows (target:
  at most 3x);
- pull: a new device's first pull of 5,000 records, with gzip: time, bytes on the wire,
  requests, and the ratio to reading the same rows raw;
- devices: 200 devices each pushing 20 mutations (4 pushes of 5) at once (4 uvicorn workers on
  PostgreSQL, 1 process on SQLite): push latency percentiles, errors, and a check that every
  mutation was applied exactly once (target: p95 under 300 ms on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2

from bench import harness, sync_deploy
from bench.bench_home import sign_in
from bench.harness import Budget
from bench.sync_deploy import Deployment
from sync.push import CHUNK
from tests.sync_junk import valid_mutation

NOTES = 5000
BATCH = 200  # the server's default limit (KEXPWA_SYNC_MAX_MUTATIONS)
EDITS = 100
PULL_RECORDS = 5000
PULL_LIMIT = 1000
DEVICES = 200
PER_DEVICE = 20
PUSHES_PER_DEVICE = 4
WORDS = (
    "visit family carer plan school health worker child mother father gran review meeting "
    "safety risk support kinship contact court report reflection supervision team home "
    "nursery housing benefit worry progress goal strength concern agreed next steps"
).split()


def body(seed: int) -> str:
    """About 2 KB of varied text (gzip works on it as on real notes, not on a repeated line)."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(500))[: rng.randint(1500, 2500)]


PEOPLE = (("edinburgh", "pat"), ("edinburgh", "sam"), ("east-lothian", "morgan"))


def _note(seq: int) -> dict[str, Any]:
    return valid_mutation(seq, {"title": f"Visit {seq}", "body": body(seq), "date": "2026-11-20"})


async def _session(base: str, authority: str, username: str, pool: int = 4) -> tuple[Any, str]:
    http = harness.client(base, pool)
    await sign_in(http, authority, username)
    token = (await http.get("/api/session")).json()["csrf"]
    return http, token


async def _push(http: httpx2.AsyncClient, token: str, client_id: str, batch: list[dict]) -> Any:
    body = {"client_id": client_id, "schema_version": 1, "mutations": batch}
    response = await http.post("/sync/push", json=body, headers={"X-CSRF-Token": token})
    if response.status_code != 200:
        raise RuntimeError(f"push answered {response.status_code}: {response.text[:300]}")
    return response.json()


async def _push_phase(base: str, dep: Deployment) -> tuple[dict[str, Any], list[str]]:
    http, token = await _session(base, "edinburgh", "pat")
    try:
        client_id, queue = str(uuid.uuid4()), [_note(seq) for seq in range(1, NOTES + 1)]
        await _push(http, token, str(uuid.uuid4()), [_note(1)])  # warm up
        requests = 0
        started = time.perf_counter()
        for start in range(0, NOTES, BATCH):
            payload = await _push(http, token, client_id, queue[start : start + BATCH])
            requests += 1
            assert {r["status"] for r in payload["results"]} == {"applied"}
        pushed = time.perf_counter() - started
    finally:
        await http.aclose()
    owner = await sync_deploy.user_id(dep, "pat")
    bodies = [body(n) for n in range(1, NOTES + 1)]
    raw = await sync_deploy.raw_insert_notes(dep, owner, bodies)
    logged = await sync_deploy.raw_insert_logged(dep, owner, bodies, CHUNK)
    numbers = {
        "notes": NOTES,
        "batch": BATCH,
        "requests": requests,
        "seconds": round(pushed, 3),
        "notes_per_s": round(NOTES / pushed, 1),
        "raw_insert_s": round(raw, 4),
        "ratio_to_raw": round(pushed / raw, 2),
        "raw_logged_s": round(logged, 4),
        "ratio_to_logged": round(pushed / logged, 2),
    }
    return numbers, [m["record_id"] for m in queue]


async def _edits_phase(base: str, dep: Deployment, ids: list[str]) -> dict[str, Any]:
    http, token = await _session(base, "edinburgh", "pat")
    try:
        edits = [
            {
                **valid_mutation(n + 1, {"body": body(NOTES + n)}),
                "record_id": rid,
                "base_version": 1,
            }
            for n, rid in enumerate(ids[:EDITS])
        ]
        started = time.perf_counter()
        payload = await _push(http, token, str(uuid.uuid4()), edits)
        pushed = time.perf_counter() - started
        assert {r["status"] for r in payload["results"]} == {"applied"}, payload["results"][:2]
    finally:
        await http.aclose()
    others = [uuid.UUID(rid) for rid in ids[EDITS : 2 * EDITS]]
    raw = await sync_deploy.raw_update_notes(dep, others, [body(-n) for n in range(EDITS)])
    return {
        "edits": EDITS,
        "seconds": round(pushed, 4),
        "raw_update_s": round(raw, 4),
        "ratio_to_raw": round(pushed / raw, 2),
    }


async def _pull_phase(base: str, dep: Deployment) -> dict[str, Any]:
    owner = await sync_deploy.user_id(dep, "sam")
    await sync_deploy.raw_insert_notes(dep, owner, [body(n) for n in range(PULL_RECORDS)])
    http, _ = await _session(base, "edinburgh", "sam")
    try:
        cursor, records, requests, wire_bytes = "", 0, 0, 0
        started = time.perf_counter()
        while True:
            params = {"limit": str(PULL_LIMIT), **({"cursor": cursor} if cursor else {})}
            response = await http.get(
                "/sync/pull", params=params, headers={"Accept-Encoding": "gzip"}
            )
            requests += 1
            wire_bytes += response.num_bytes_downloaded
            payload = response.json()
            records += len(payload["changes"])
            cursor = payload["cursor"]
            if not payload["has_more"]:
                break
        elapsed = time.perf_counter() - started
    finally:
        await http.aclose()
    raw = await sync_deploy.raw_read_notes(dep, owner)
    return {
        "records": records,
        "seconds": round(elapsed, 3),
        "raw_read_s": round(raw, 4),
        "ratio_to_raw": round(elapsed / raw, 1),
        "requests": requests,
        "gzip_bytes": wire_bytes,
        "bytes_per_record": round(wire_bytes / max(records, 1), 1),
    }


async def _devices_phase(base: str, dep: Deployment | None) -> dict[str, Any]:
    """200 devices at once. With no deployment, against the baseline app (its echo of a push,
    with no session): the same client, uvicorn and machine, doing nothing else."""
    if dep is None:
        sessions = [(harness.client(base, DEVICES), "") for _ in PEOPLE]
    else:
        sessions = [await _session(base, a, u, pool=DEVICES) for a, u in PEOPLE]
    latencies: list[float] = []
    errors = 0

    async def device(index: int) -> None:
        nonlocal errors
        http, token = sessions[index % len(sessions)]
        client_id = str(uuid.uuid4())
        queue = [_note(seq) for seq in range(1, PER_DEVICE + 1)]
        size = PER_DEVICE // PUSHES_PER_DEVICE
        for start in range(0, PER_DEVICE, size):
            sent = time.perf_counter()
            try:
                payload = await _push(http, token, client_id, queue[start : start + size])
                if {r["status"] for r in payload["results"]} != {"applied"}:
                    errors += 1
            except (RuntimeError, httpx2.HTTPError):
                errors += 1
            latencies.append(time.perf_counter() - sent)

    started = time.perf_counter()
    await asyncio.gather(*(device(i) for i in range(DEVICES)))
    elapsed = time.perf_counter() - started
    for http, _ in sessions:
        await http.aclose()
    timing = {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "p50_ms": round(harness.percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(harness.percentile(latencies, 95) * 1000, 1),
        "errors": errors,
    }
    if dep is None:
        return timing
    logged = applied_once = 0
    for slug in ("edinburgh", "east-lothian"):
        logged += int(await sync_deploy.scalar(dep, "SELECT count(*) FROM applied_mutation", slug))
        applied_once += int(
            await sync_deploy.scalar(
                dep, "SELECT count(DISTINCT mutation_id) FROM applied_mutation", slug
            )
        )
    return {
        "devices": DEVICES,
        "mutations": DEVICES * PER_DEVICE,
        **timing,
        "duplicates": logged - applied_once,
        "logged": logged,
    }


async def _phases(dep: Deployment) -> dict[str, dict[str, Any]]:
    out = {}
    with harness.uvicorn_server("kexpwa.app:asgi", factory=True, env=dep.env) as base:
        out["push"], ids = await _push_phase(base, dep)
        out["edits"] = await _edits_phase(base, dep, ids)
        out["pull"] = await _pull_phase(base, dep)
    workers = 4 if dep.backend == "postgres" else 1
    server = harness.uvicorn_server("kexpwa.app:asgi", factory=True, env=dep.env, workers=workers)
    with server as base:
        out["devices"] = await _devices_phase(base, dep)
        out["devices"]["uvicorn_workers"] = workers
    # The same 200 devices against the baseline app's push (JSON in and out, nothing else), on
    # as many workers: the floor this client, uvicorn and machine set.
    baseline = harness.uvicorn_server("bench.baseline_app:app", workers=workers)
    with baseline as base:
        floor = await _devices_phase(base, None)
    out["devices"]["baseline_p50_ms"] = floor["p50_ms"]
    out["devices"]["baseline_p95_ms"] = floor["p95_ms"]
    out["devices"]["ratio_p95"] = round(out["devices"]["p95_ms"] / max(floor["p95_ms"], 0.1), 2)
    return out


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    sections: dict[str, Any] = {}
    for backend in ("sqlite", "postgres"):
        with tempfile.TemporaryDirectory(prefix="kexpwa-bench-sync-") as folder:
            with sync_deploy.deployment(backend, Path(folder)) as dep:
                for phase, numbers in asyncio.run(_phases(dep)).items():
                    sections[f"{backend[:2]}_{phase}"] = numbers
    return harness.result(
        "sync",
        "push 5,000 x 1.5-2.5 KB notes, 100 edits, first pull of 5,000, 200 devices x 20 "
        "mutations; SQLite (sq) and PostgreSQL (po)",
        budget,
        **sections,
    )

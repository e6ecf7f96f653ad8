"""Shared pieces for benchmarks: a real uvicorn on a free local port, a bounded load loop,
percentiles, and the comparison against a baseline measured in the same run.

Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

Request = Callable[[httpx2.AsyncClient], Awaitable[httpx2.Response]]


@dataclass(frozen=True)
class Budget:
    """How hard and how long each measured phase may run."""

    workers: int = 16  # concurrent requests in flight
    requests: int = 8000  # stop after this many...
    seconds: float = 20.0  # ...or after this long, whichever comes first
    warmup: int = 100  # requests sent (and not measured) before each phase


@dataclass(frozen=True)
class Measurement:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without any kexpwa settings of the caller's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_") and k != "PORT"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def run_command(args: list[str], env: Mapping[str, str]) -> str:
    """Run a command to completion; raise with its output if it fails."""
    result = subprocess.run(
        args, env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _wait_until_healthy(
    base: str, health_path: str, process: subprocess.Popen[bytes], seconds: float
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            if httpx2.get(base + health_path, timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {base} was not healthy within {seconds:.0f} s")


@contextmanager
def uvicorn_server(
    app: str,
    *,
    factory: bool = False,
    env: Mapping[str, str] | None = None,
    health_path: str = "/healthz",
    startup_seconds: float = 30.0,
    workers: int = 1,
) -> Iterator[str]:
    """Serve ``app`` (an import string) with uvicorn on a free 127.0.0.1 port until the block
    ends; yields the base URL once ``health_path`` answers 200. Both kexpwa and the baseline
    use these same uvicorn options, so their numbers differ only by the app."""
    port = free_port()
    args = [
        sys.executable, "-m", "uvicorn", app,
        "--host", HOST, "--port", str(port),
        "--no-access-log", "--no-server-header", "--log-level", "warning",
    ]  # fmt: skip
    if factory:
        args.append("--factory")
    if workers > 1:
        args += ["--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=clean_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://{HOST}:{port}"
        try:
            try:
                _wait_until_healthy(base, health_path, process, startup_seconds)
            except RuntimeError as exc:
                log.seek(0)
                raise RuntimeError(f"{exc}\n{log.read().decode(errors='replace')}") from None
            yield base
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def client(base: str, workers: int) -> httpx2.AsyncClient:
    """An HTTP client for ``base``, which must be on 127.0.0.1, with a connection per worker."""
    if urlsplit(base).hostname != HOST:
        raise ValueError(f"benchmarks only talk to {HOST}, not {base}")
    return httpx2.AsyncClient(
        base_url=base,
        timeout=30,
        follow_redirects=False,
        limits=httpx2.Limits(max_connections=workers, max_keepalive_connections=workers),
    )


async def load(
    http: httpx2.AsyncClient,
    request: Request,
    budget: Budget,
    *,
    expect: int = 200,
) -> Measurement:
    """Send ``request`` from ``budget.workers`` concurrent workers until the request count or
    the time budget runs out. A response with another status than ``expect`` is an error
    (and its latency still counts)."""
    for _ in range(budget.warmup):
        await request(http)
    latencies: list[float] = []
    errors = issued = 0
    started = time.perf_counter()
    deadline = started + budget.seconds

    async def worker() -> None:
        nonlocal errors, issued
        while issued < budget.requests and time.perf_counter() < deadline:
            issued += 1
            sent = time.perf_counter()
            try:
                response = await request(http)
                ok = response.status_code == expect
            except httpx2.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - sent)
            if not ok:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(budget.workers)))
    elapsed = time.perf_counter() - started
    return Measurement(
        requests=len(latencies),
        errors=errors,
        seconds=round(elapsed, 3),
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(latencies, 50) * 1000, 3),
        p95_ms=round(percentile(latencies, 95) * 1000, 3),
        p99_ms=round(percentile(latencies, 99) * 1000, 3),
    )


def percentile(values: list[float], pct: float) -> float:
    """The ``pct``-th percentile by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def compare(subject: Measurement, baseline: Measurement) -> dict[str, float]:
    """subject / baseline for throughput (below 1 is slower) and latencies (above 1 is slower)."""

    def ratio(a: float, b: float) -> float:
        return round(a / b, 3) if b else math.nan

    return {
        "rps": ratio(subject.rps, baseline.rps),
        "p50": ratio(subject.p50_ms, baseline.p50_ms),
        "p95": ratio(subject.p95_ms, baseline.p95_ms),
    }


def kexpwa_data_dir(folder: Path, *, demo: bool = True) -> dict[str, str]:
    """Initialise a kexpwa SQLite deployment in ``folder`` (init, then demo unless told not
    to) and return the environment that serves it."""
    env = clean_env({"KEXPWA_DATA_DIR": str(folder)})
    run_command([str(BIN / "kexpwa"), "init"], env)
    if demo:
        run_command([str(BIN / "kexpwa"), "demo"], env)
    return env


def result(name: str, description: str, budget: Budget, **sections: Any) -> dict[str, Any]:
    """The shape every ``run()`` returns: name, description, budget, then named sections."""
    return {"name": name, "description": description, "budget": asdict(budget), **sections}

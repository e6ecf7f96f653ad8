"""The Procfile a platform (or honcho) runs: a release step that migrates, a web process that
listens on $PORT (and believes forwarded addresses only from KEXPWA_TRUSTED_PROXIES), and a
worker that runs queued jobs. Run for real with honcho, as a deployment would."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from tests import support

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HONCHO = BIN / "honcho"
STARTUP_SECONDS = 30


def procfile() -> dict[str, str]:
    """{process type: command}, as honcho and Heroku-style platforms read the file."""
    processes: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_-]+):\s*(.+)", line.strip())
        if match:
            processes[match.group(1)] = match.group(2).strip()
    return processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_procfile_declares_release_web_and_worker() -> None:
    processes = procfile()
    assert set(processes) >= {"web", "release", "worker"}
    assert "$PORT" in processes["web"] or "${PORT}" in processes["web"]
    # The same code path as `kexpwa serve`, which applies KEXPWA_TRUSTED_PROXIES.
    assert re.match(r"kexpwa serve\b", processes["web"])
    assert "--reload" not in processes["web"]
    assert re.search(r"\bkexpwa migrate\b", processes["release"])
    assert re.fullmatch(r"kexpwa worker", processes["worker"])


@dataclass
class Deployment:
    """A fresh deployment in a temporary folder, after ``kexpwa init``."""

    env: dict[str, str]
    folder: Path

    @property
    def port(self) -> str:
        return self.env["PORT"]

    def honcho(self, command: str, *args: str) -> list[str]:
        # An empty env file, so a developer's own .env cannot change what is tested.
        return [str(HONCHO), command, "-e", str(self.folder / "empty.env"), *args]


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_") and k != "PORT"}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        KEXPWA_DATA_DIR=str(tmp_path / "data"),
        KEXPWA_CONFIG=str(tmp_path / "data" / "kexpwa.toml"),
        PORT=str(free_port()),
    )
    subprocess.run(
        [str(BIN / "kexpwa"), "init"], env=env, check=True, capture_output=True, timeout=120
    )
    (tmp_path / "empty.env").write_text("")
    return Deployment(env, tmp_path)


def test_release_command_runs_under_honcho(deployment: Deployment) -> None:
    result = subprocess.run(
        deployment.honcho("run", "sh", "-c", procfile()["release"]),
        cwd=ROOT,
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Migrated: directory, edinburgh, east-lothian" in result.stdout


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    """Stop honcho, which stops what it started. If it will not, kill its group and its
    children's groups (honcho starts each child in a session of its own)."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
        return
    except subprocess.TimeoutExpired:
        pass
    children = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", log.read_text())]
    for group in [process.pid, *children]:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=5)


@contextmanager
def honcho_start(
    deployment: Deployment, process_type: str, **settings: str
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """``honcho start <process_type>`` with extra KEXPWA_ settings; yields (honcho, its log)."""
    log = deployment.folder / f"honcho-{process_type}.log"
    env = {**deployment.env, **{f"KEXPWA_{k.upper()}": v for k, v in settings.items()}}
    with log.open("wb") as out:
        process = subprocess.Popen(
            deployment.honcho("start", "--no-colour", process_type),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log
    finally:
        _stop(process, log)


@pytest.fixture
def web(deployment: Deployment) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``honcho start web`` on a free port; yields (base URL, honcho process, its log)."""
    with honcho_start(deployment, "web") as (process, log):
        yield f"http://127.0.0.1:{deployment.port}", process, log


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> httpx2.Response:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return httpx2.get(f"{base}/healthz", timeout=2)
        except httpx2.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"web did not answer on {base}:\n{log.read_text()}")


def test_web_process_serves_healthz_on_port(
    web: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    base, process, log = web
    response = _wait_healthy(base, process, log)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "server" not in response.headers  # --no-server-header
    login = httpx2.get(f"{base}/login", timeout=5)
    assert login.status_code == 200 and "content-security-policy" in login.headers


async def _failed_sign_in(base: str, forwarded_for: str, n: int) -> int:
    """A wrong password for a made-up username from ``forwarded_for`` (through a proxy on
    127.0.0.1); returns the status. A fresh username each time, so only the per-address
    throttle can pause it."""
    headers = {"X-Forwarded-For": forwarded_for}
    async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        response = await support.sign_in(http, ("edinburgh", f"nobody{n}", "not the password"))
    return response.status_code


@pytest.mark.parametrize(
    ("trusted", "believed"),
    [("127.0.0.1", True), (None, False), ("192.0.2.1", False)],
    ids=["trusted-proxy", "no-setting", "other-proxy"],
)
async def test_web_believes_forwarded_addresses_only_from_trusted_proxies(
    deployment: Deployment, trusted: str | None, believed: bool
) -> None:
    """Seen through the sign-in throttle, which counts failures per client address: believed,
    two people behind the proxy have buckets of their own; not believed, they share the
    proxy's, so one person's failures pause the other."""
    settings = {"login_max_failures": "2"}
    if trusted:
        settings["trusted_proxies"] = trusted
    base = f"http://127.0.0.1:{deployment.port}"
    with honcho_start(deployment, "web", **settings) as (process, log):
        assert _wait_healthy(base, process, log).status_code == 200
        assert [await _failed_sign_in(base, "198.51.100.1", n) for n in range(3)] == [
            401,
            401,
            429,
        ]
        other = await _failed_sign_in(base, "198.51.100.2", 3)
        assert other == (401 if believed else 429), log.read_text()


def _job_statuses(database: Path) -> list[str]:
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute("SELECT status FROM job ORDER BY id")]


def test_worker_process_runs_queued_jobs_and_stops_gracefully(deployment: Deployment) -> None:
    queued = subprocess.run(
        [str(BIN / "kexpwa"), "purge-tombstones", "--queue"],
        env=deployment.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert queued.returncode == 0, queued.stderr
    database = Path(deployment.env["KEXPWA_DATA_DIR"]) / "edinburgh.sqlite3"
    assert _job_statuses(database) == ["pending"]
    with honcho_start(deployment, "worker") as (process, log):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            statuses = _job_statuses(database)
            if statuses and set(statuses) == {"done"}:
                break
            time.sleep(0.2)
        # The queued purge and today's daily purge, both done by the worker process.
        assert _job_statuses(database) == ["done", "done"], log.read_text()
    text = log.read_text()
    assert "kexpwa worker stopped" in text and "Traceback" not in text, text

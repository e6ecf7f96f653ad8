"""The Procfile a platform (or honcho) runs: a release step that migrates, and a web process
that listens on $PORT. Run for real with honcho, as a deployment would."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

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


def test_procfile_declares_release_and_web() -> None:
    processes = procfile()
    assert set(processes) >= {"web", "release"}
    assert "$PORT" in processes["web"] or "${PORT}" in processes["web"]
    assert "kexpwa.app:asgi" in processes["web"]
    assert "--reload" not in processes["web"]
    assert re.search(r"\bkexpwa migrate\b", processes["release"])


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


@pytest.fixture
def web(deployment: Deployment) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``honcho start web`` on a free port; yields (base URL, honcho process, its log)."""
    log = deployment.folder / "honcho.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            deployment.honcho("start", "--no-colour", "web"),
            cwd=ROOT,
            env=deployment.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{deployment.port}", process, log
    finally:
        _stop(process, log)


def test_web_process_serves_healthz_on_port(
    web: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    base, process, log = web
    deadline = time.monotonic() + STARTUP_SECONDS
    response = None
    while response is None and time.monotonic() < deadline and process.poll() is None:
        try:
            response = httpx2.get(f"{base}/healthz", timeout=2)
        except httpx2.TransportError:
            time.sleep(0.2)
    assert response is not None, f"web did not answer on {base}:\n{log.read_text()}"
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "server" not in response.headers  # --no-server-header
    login = httpx2.get(f"{base}/login", timeout=5)
    assert login.status_code == 200 and "content-security-policy" in login.headers

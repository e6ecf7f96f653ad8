"""Real kexpwa servers for tests: a uvicorn subprocess on a free 127.0.0.1 port, serving a
given config (usually the ``cfg`` fixture's, so SQLite or PostgreSQL), and signing in to it.

    with KexpwaServer(tmp_path) as server:           # tmp_path holds kexpwa.toml
        async with server.client() as http:
            await sign_in(http, made_user)
            token = await csrf_token(http)

A server can be SIGKILLed and started again on the same port and data (``kill()``, ``start()``),
and its log is kept (``log_text()``), so a test can assert that no request ended in a 500.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx2

from tests import support

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, config: Path | None = None, **settings: str) -> dict[str, str]:
    """The environment of a server process: none of the caller's KEXPWA_ settings, the data
    dir and config given, and ``settings`` as KEXPWA_<NAME> variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_") and k != "PORT"}
    env["KEXPWA_DATA_DIR"] = str(data_dir)
    env["KEXPWA_CONFIG"] = str(config or data_dir / "kexpwa.toml")
    env["KEXPWA_PASSWORD_HASH_PROFILE"] = support.TEST_HASH_PROFILE
    env.update({f"KEXPWA_{name.upper()}": value for name, value in settings.items()})
    return env


class KexpwaServer:
    """``python -m uvicorn --factory kexpwa.app:asgi`` as a child process."""

    def __init__(
        self,
        data_dir: Path,
        *,
        config: Path | None = None,
        port: int | None = None,
        workers: int = 1,
        **settings: str,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.env = server_env(data_dir, config, **settings)
        self.workers = workers
        self.log_path = data_dir / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, seconds: float = 30.0) -> KexpwaServer:
        """Start (or start again) and wait until /healthz answers 200."""
        args = [
            sys.executable, "-m", "uvicorn", "kexpwa.app:asgi", "--factory",
            "--host", HOST, "--port", str(self.port), "--workers", str(self.workers),
            "--no-access-log", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}):\n{self.log_text()}")
            try:
                if httpx2.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx2.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not healthy within {seconds:.0f} s:\n{self.log_text()}")

    def _signal(self, sig: signal.Signals, wait: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=wait)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: no shutdown, no cleanup."""
        self._signal(signal.SIGKILL, 10)

    def stop(self) -> None:
        self._signal(signal.SIGTERM, 10)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self, **kw: Any) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(base_url=self.base_url, timeout=60, **kw)

    def __enter__(self) -> KexpwaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def sign_in(http: httpx2.AsyncClient, who: support.Made) -> str:
    """Sign in through the real form; returns the session's CSRF token for X-CSRF-Token."""
    response = await support.sign_in(http, who)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {who.authority}/{who.username}: {response.status_code}")
    session = await http.get("/api/session")
    session.raise_for_status()
    return str(session.json()["csrf"])

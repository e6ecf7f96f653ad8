"""Browser fixtures: a real kexpwa server and Debian's Chromium driven by Playwright.

- ``live_server``: ``python -m kexpwa init`` and ``demo`` in a temp data dir (SQLite), then
  uvicorn on a free 127.0.0.1 port; ``.url``, ``.data_dir``, ``.config``, ``.stop()`` and
  ``.start()`` (same port, same data), killed with its process group at teardown.
- ``module_server``: the same, one for a whole module (the modules that share one).
- ``browser``: one Chromium for the session.
- ``phone``: a fresh 360x740 touch context and a page in it (service workers allowed, as on a
  real phone); ``new_phone(browser, **options)`` makes more, e.g. with JavaScript off.
- ``sign_in(page, server, ...)``: signs in as a demo user through the real form.

Without /usr/bin/chromium the browser tests are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from kexpwa import config as config_module
from kexpwa.config import Config
from kexpwa.demo import DEMO_PASSWORD
from tests.support import TEST_HASH_PROFILE

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "en-GB",
    "timezone_id": "Europe/London",
}
HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_") and k != "PORT"}
    env["KEXPWA_DATA_DIR"] = str(data_dir)
    env["KEXPWA_PASSWORD_HASH_PROFILE"] = TEST_HASH_PROFILE  # the demo users' hashes
    env.update(extra or {})
    return env


@dataclass
class LiveServer:
    """A kexpwa server in a child process; restartable on the same port and data."""

    data_dir: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    # KEXPWA_ settings for the next start(), e.g. a new KEXPWA_BUILD_ID to ship a new worker.
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def config(self) -> Config:
        return config_module.load(self.data_dir / "kexpwa.toml")

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def prepare(self) -> None:
        """``kexpwa init`` and ``kexpwa demo`` in the data dir."""
        for command in ("init", "demo"):
            subprocess.run(
                [sys.executable, "-m", "kexpwa", command],
                env=_env(self.data_dir),
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=120,
            )

    def start(self, seconds: float = 30.0) -> None:
        args = [
            sys.executable, "-m", "uvicorn", "kexpwa.app:asgi", "--factory",
            "--host", HOST, "--port", str(self.port),
            "--no-access-log", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args,
                env=_env(self.data_dir, self.settings),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}):\n{self.log_text()}")
            try:
                if httpx2.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not healthy within {seconds:.0f} s:\n{self.log_text()}")

    def kill(self) -> None:
        """SIGKILL the server's process group: no shutdown, as in a power cut."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Stop the server (its whole process group); ``start()`` brings it back."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kexpwa init`` and ``demo`` run once a session; each test's server gets a copy."""
    server = LiveServer(tmp_path_factory.mktemp("demo") / "data")
    server.data_dir.mkdir(mode=0o700)
    server.prepare()
    return server.data_dir


def copy_demo(demo_data: Path, data_dir: Path) -> None:
    """A fresh copy of the demo deployment in ``data_dir`` (its config names its own files)."""
    shutil.copytree(demo_data, data_dir)
    config = data_dir / "kexpwa.toml"
    config.write_text(config.read_text().replace(str(demo_data), str(data_dir)))


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One demo deployment for a whole module, for modules whose tests each write their own
    titles or sign in a user of their own (a server per test costs seconds each)."""
    live = LiveServer(tmp_path_factory.mktemp("module") / "data")
    live.data_dir.mkdir()
    live.prepare()
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def live_server(tmp_path: Path, demo_data: Path) -> Iterator[LiveServer]:
    """A fresh demo deployment (two authorities, demo users with sample content)."""
    server = LiveServer(tmp_path / "data")
    copy_demo(demo_data, server.data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last, and under pytest-xdist all in one process, one at a time
    (group "browsers", shared with tests/webkit): two browsers and their servers at once on
    two cores make each other's waits long."""
    here = Path(__file__).parent
    items.sort(key=lambda item: here in Path(str(item.path)).parents)
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.xdist_group("browsers"))


# Per module, not per session: Playwright's sync API keeps an event loop running in the main
# thread while its browser is open, and a test that starts its own (pytest-asyncio,
# asyncio.run) cannot while it runs; under pytest-xdist such a test may follow a browser
# module in the same process.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") != "true":
            pytest.skip("no /usr/bin/chromium here (outside CI; in CI this fails)")
        pytest.fail("CI needs /usr/bin/chromium for the browser tests (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_phone(browser: Browser, **options: Any) -> BrowserContext:
    """A phone-sized touch context; ``options`` are Playwright context options."""
    context = browser.new_context(**{**PHONE, **options})
    context.set_default_timeout(15_000)
    return context


@dataclass
class Phone:
    context: BrowserContext
    page: Page


@pytest.fixture
def phone(browser: Browser) -> Iterator[Phone]:
    context = new_phone(browser)
    try:
        yield Phone(context, context.new_page())
    finally:
        context.close()


def sign_in(
    page: Page, server: LiveServer, authority: str = "edinburgh", username: str = "pat"
) -> None:
    """Sign in through the sign-in form as a demo user; ends on the home page."""
    page.goto(server.url + "/login")
    page.select_option("#authority", authority)
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")

"""Real WebKit through WebDriver: Debian's WebKitGTK (MiniBrowser, or ``launcher.py`` for a
persistent profile) driven by ``WebKitWebDriver`` through Selenium, on an Xvfb display.

``SeleniumTab`` is the WebKit adapter for ``tests/browser/steps.py``: the same story steps
the Chromium tests use, driven through WebDriver instead of Playwright.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import (
    JavascriptException,
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service
from selenium.webdriver.wpewebkit.options import Options as WPEOptions
from selenium.webdriver.wpewebkit.service import Service as WPEService

from tests.browser.steps import Navigating

DRIVER = Path("/usr/bin/WebKitWebDriver")
MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
XVFB = Path("/usr/bin/Xvfb")
# WPE WebKit 2.38 (Safari 16's generation), headless, through cog: an older WebKit.
WPE_DRIVER = Path("/usr/bin/WPEWebDriver")
COG = Path("/usr/bin/cog")
LAUNCHER = Path(__file__).with_name("launcher.py")
LAUNCHER_NAME = "kexpwa-webkit-launcher"
# navigator.storage (quota, persist) is off in MiniBrowser unless asked for.
FEATURES = "--features=+StorageAPI,+StorageAPIEstimate"
MISSING_MARKS = ("is not defined", "undefined is not an object", "null is not an object")


SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's, with PyGObject, for launcher.py
LAUNCHER_NEEDS = (
    "Debian's python3 with gi and WebKit2 4.1 (apt-get install gir1.2-webkit2-4.1 python3-gi)"
)


def launcher_ready() -> bool:
    """Whether ``launcher.py`` can run: Debian's python3 with PyGObject and WebKit2 4.1."""
    check = "import gi; gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2"
    try:
        done = subprocess.run([str(SYSTEM_PYTHON), "-c", check], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def missing() -> list[str]:
    """What this machine lacks to run WebKit (empty when all is there)."""
    return [str(p) for p in (DRIVER, MINIBROWSER, XVFB) if not p.exists()]


def missing_wpe() -> list[str]:
    return [str(p) for p in (WPE_DRIVER, COG) if not p.exists()]


def launch_wpe() -> WebDriver:
    """A new WPE WebKit session: cog in automation mode, headless (no X), ephemeral."""
    options = WPEOptions()
    options.binary_location = str(COG)
    options.add_argument("--automation")
    options.add_argument("--platform=headless")
    options.set_capability("browserName", "cog")
    driver = webdriver.WPEWebKit(
        options=options, service=WPEService(executable_path=str(WPE_DRIVER))
    )
    driver.set_script_timeout(30)
    driver.set_page_load_timeout(30)
    return driver


class Display:
    """One Xvfb server (WebKitGTK needs an X display; there is no headless mode)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [
                str(XVFB),
                "-displayfd",
                str(write),
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.process.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def launch(display: Display, profile: Path | None = None) -> WebDriver:
    """A new WebKitGTK session. Without ``profile``: MiniBrowser in automation mode, which
    keeps nothing on disk. With one: ``launcher.py``, whose website data and cookies live in
    ``profile`` and survive the browser closing."""
    options = Options()
    if profile is None:
        options.binary_location = str(MINIBROWSER)
        options.add_argument("--automation")
        options.add_argument(FEATURES)
    else:
        options.binary_location = str(LAUNCHER)
        options.add_argument(f"--profile={profile}")
        # WebKitWebDriver matches browserName against the name the browser gives itself.
        options.set_capability("browserName", LAUNCHER_NAME)
    env = {**os.environ, "DISPLAY": display.name}
    env.pop("WAYLAND_DISPLAY", None)
    service = Service(executable_path=str(DRIVER), env=env)
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_script_timeout(30)
    driver.set_page_load_timeout(30)
    return driver


# Runs an async function of one argument and reports its value or its error as JSON-able.
_ASYNC = """
var arg = arguments[0], done = arguments[arguments.length - 1];
var fn;
try { fn = (%s); } catch (e) { done({error: String(e)}); return; }
Promise.resolve().then(function () { return fn(arg); })
  .then(function (v) { done({value: v === undefined ? null : v}); },
        function (e) { done({error: String(e && e.message || e)}); });
"""


class SeleniumTab:
    """A Selenium session's current page as a ``steps.Tab`` (WebKit)."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    @property
    def url(self) -> str:
        try:
            return str(self.driver.current_url)
        except WebDriverException:
            return ""

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def reload(self) -> None:
        self.driver.refresh()

    def _element(self, selector: str, by: str = "css selector") -> WebElement:
        deadline = time.monotonic() + 15
        while True:
            try:
                element = self.driver.find_element(by, selector)
                if element.is_displayed():
                    # The fixed bottom bar can take a click meant for what is under it.
                    self.driver.execute_script(
                        "arguments[0].scrollIntoView({block: 'center'});", element
                    )
                    return element
            except (NoSuchElementException, StaleElementReferenceException):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"no visible {selector} on {self.url}")
            time.sleep(0.1)

    def fill(self, selector: str, value: str) -> None:
        element = self._element(selector)
        element.clear()
        element.send_keys(value)

    def select(self, selector: str, index: int) -> None:
        Select(self._element(selector)).select_by_index(index)

    def check(self, selector: str) -> None:
        element = self._element(selector)
        if not element.is_selected():
            element.click()

    def click(self, selector: str) -> None:
        self._element(selector).click()

    def press(self, button: str) -> None:
        self._element(f"//button[normalize-space()='{button}']", "xpath").click()

    def text(self, selector: str) -> str:
        # innerText, as Playwright's inner_text (WebDriver's element text fails on some forms:
        # "Cannot check the displayedness of a non-Element argument").
        try:
            found = self.driver.execute_script(
                "var e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                selector,
            )
        except WebDriverException as exc:
            raise Navigating(str(exc)) from exc
        if found is None:
            raise Navigating(f"no {selector} yet")
        return str(found)

    def value(self, selector: str) -> str:
        return str(self._element(selector).get_attribute("value") or "")

    def visible(self, selector: str) -> bool:
        try:
            return bool(self.driver.find_element("css selector", selector).is_displayed())
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    def evaluate(self, script: str, arg: Any = None) -> Any:
        try:
            answer = self.driver.execute_async_script(_ASYNC % script, arg)
        except JavascriptException as exc:
            raise Navigating(str(exc)) from exc
        except WebDriverException as exc:
            if "navigat" in str(exc).lower() or "unload" in str(exc).lower():
                raise Navigating(str(exc)) from exc
            raise
        if answer is None:  # the document went away before answering
            raise Navigating("no answer")
        if "error" in answer:
            if any(mark in answer["error"] for mark in MISSING_MARKS):
                raise Navigating(answer["error"])  # the page's scripts have not run yet
            raise AssertionError(f"script failed: {answer['error']}: {script[:200]}")
        return json.loads(json.dumps(answer["value"]))

    def pause(self, seconds: float) -> None:
        time.sleep(seconds)

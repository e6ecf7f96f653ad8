"""WebKit fixtures: one Xvfb display for the session, one demo server and one WebKitGTK
session per module (starting WebKit is cheap, but its state is the story's state).

Without WebKitWebDriver, MiniBrowser or Xvfb the WebKit tests are skipped, saying what is
missing, except in CI, where they fail (`.ci/run` installs them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import LiveServer, module_server  # noqa: F401 (a fixture)
from tests.webkit import driver as wk

PACKAGES = "apt-get install webkit2gtk-driver xvfb xauth gir1.2-webkit2-4.1 python3-gi"
WPE_PACKAGES = "apt-get install wpewebkit-driver cog"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/webkit/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.webkit)
            item.add_marker(pytest.mark.xdist_group("browsers"))  # see tests/browser/conftest


@pytest.fixture(scope="session")
def display() -> Iterator[wk.Display]:
    lacking = wk.missing()
    if lacking:
        if os.environ.get("CI") != "true":
            pytest.skip(f"WebKit tests need {', '.join(lacking)} (outside CI; in CI this fails)")
        pytest.fail(f"CI needs {', '.join(lacking)} for the WebKit tests ({PACKAGES})")
    screen = wk.Display()
    try:
        yield screen
    finally:
        screen.close()


@pytest.fixture(scope="module")
def webkit(display: wk.Display) -> Iterator[WebDriver]:
    """One WebKitGTK session (an ephemeral profile) for the module."""
    session = wk.launch(display)
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture(scope="module")
def tab(webkit: WebDriver) -> wk.SeleniumTab:
    return wk.SeleniumTab(webkit)

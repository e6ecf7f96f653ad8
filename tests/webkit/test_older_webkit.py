"""Scenarios 1-3 again in an older WebKit: WPE WebKit 2.38 (about Safari 16's generation),
headless through cog. The same tests as test_offline_webkit.py, on a WPE session of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.webkit import driver as wk
from tests.webkit.conftest import WPE_PACKAGES
from tests.webkit.test_offline_webkit import (  # noqa: F401 (collected here too, with this tab)
    server_back,
    test_1_sign_in_the_worker_controls_and_warms,
    test_2_server_stopped_cached_pages_and_the_offline_page,
    test_3_queued_offline_kept_across_a_reload_then_synced_once_by_the_triggers,
    via,
)


@pytest.fixture(scope="module")
def tab() -> Iterator[wk.SeleniumTab]:
    lacking = wk.missing_wpe()
    if lacking:
        if os.environ.get("CI") != "true":
            pytest.skip(f"WPE tests need {', '.join(lacking)} (outside CI; in CI this fails)")
        pytest.fail(f"CI needs {', '.join(lacking)} for the WPE tests ({WPE_PACKAGES})")
    session = wk.launch_wpe()
    try:
        yield wk.SeleniumTab(session)
    finally:
        session.quit()

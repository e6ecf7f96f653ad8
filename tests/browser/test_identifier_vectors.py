"""The phone's identifier scan (static/js/page/identifiers.js, in Chromium) agrees with the
server's (kexpwa.domain.identifiers) on every case of tests/vectors/identifiers.json and on a
few thousand random texts built from the pieces identifiers are made of, offsets included."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from kexpwa.domain.identifiers import scan
from tests.browser.conftest import LiveServer, new_phone, sign_in

pytestmark = pytest.mark.browser

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "identifiers.json").read_text()
)["cases"]
PIECES = [*"0123456789 -()+/.:@,\n", "44", "07", "0044", "0131", "EH", "EH6", "TD13", "AB", "ZZ",
          "born ", "DOB ", "d.o.b. ", "date of birth ", "April", "3rd", "of ", "x", "mail",
          "example.org", "\u00a0", "\u2013", "\u2212", "\uff10", "\uff15", "\u0663", "\u0966",
          "\U0001f600", "\U0001d7ce", "é", "Ж", "£", "QQ", "c", "A", "B", "C", "D"]  # fmt: skip
SCAN_ALL = "(texts) => texts.map((t) => kx.identifiers.scan(t))"


def random_texts(count: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 60))) for _ in range(count)]


def test_chromium_agrees_with_python_on_every_vector_and_random_text(
    browser: Browser, live_server: LiveServer
) -> None:
    context = new_phone(browser)
    try:
        page = context.new_page()
        sign_in(page, live_server)  # the scan is js/form.js's: on the capture forms' pages
        page.goto(live_server.url + "/notes/new")
        assert page.evaluate("() => kx.identifiers.ready") is True
        got = page.evaluate(SCAN_ALL, [case["text"] for case in CASES])
        wrong = [
            (case["kind"], case["text"], found)
            for case, found in zip(CASES, got, strict=True)
            if found != case["findings"]
        ]
        assert wrong == []

        texts = random_texts(3000)
        got = page.evaluate(SCAN_ALL, texts)
        expected = [[f.as_dict() for f in scan(text)] for text in texts]
        assert sum(len(e) for e in expected) > 100  # the pieces do make identifiers
        wrong_random = [
            (text, js, py) for text, js, py in zip(texts, got, expected, strict=True) if js != py
        ]
        assert wrong_random == []
    finally:
        context.close()

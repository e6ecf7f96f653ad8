"""The server's identifier scan (kexpwa.domain.identifiers) finds exactly what
tests/vectors/identifiers.json says, offsets in UTF-16 code units included; the phone's scan
(static/js/page/identifiers.js) is held to the same file in Chromium
(tests/browser/test_identifier_vectors.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kexpwa.domain.identifiers import TOKENS, redact, scan

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "identifiers.json").read_text()
)["cases"]


def test_the_vectors_cover_every_detector_and_many_near_misses() -> None:
    assert len(CASES) >= 300
    found = {f["detector"] for case in CASES for f in case["findings"]}
    assert found == set(TOKENS)
    assert sum(1 for case in CASES if not case["findings"]) >= 100
    assert any(ord(ch) > 0xFFFF for case in CASES for ch in case["text"])


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['kind']}" for i, c in enumerate(CASES)])
def test_vector(case: dict[str, Any]) -> None:
    assert [f.as_dict() for f in scan(case["text"])] == case["findings"]


@pytest.mark.parametrize("case", [c for c in CASES if c["findings"]][:80])
def test_redact_replaces_exactly_the_findings(case: dict[str, Any]) -> None:
    text = case["text"]
    units = text.encode("utf-16-le")
    expected, at = "", 0
    for f in case["findings"]:
        expected += units[at * 2 : f["start"] * 2].decode("utf-16-le") + TOKENS[f["detector"]]
        at = f["end"]
    expected += units[at * 2 :].decode("utf-16-le")
    assert redact(text) == expected

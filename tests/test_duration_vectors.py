"""The shared duration vectors (tests/vectors/durations.json) against the server's parser. The
same file runs against the phone's parser in Chromium (tests/browser/test_checks.py), so a
duration the phone accepts offline is one the server accepts, and a refusal uses the same
words in both places."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kexpwa.domain.durations import DurationError, parse

VECTORS_PATH = Path(__file__).parent / "vectors" / "durations.json"


def vectors() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text())["vectors"]
    return found


@pytest.mark.parametrize("vector", vectors(), ids=lambda v: repr(v["input"])[:40])
def test_server_parser_matches_the_vector(vector: dict[str, Any]) -> None:
    if "minutes" in vector:
        assert parse(vector["input"]) == vector["minutes"]
    else:
        with pytest.raises(DurationError) as caught:
            parse(vector["input"])
        assert str(caught.value) == vector["error"]


def test_the_vectors_cover_both_outcomes_and_the_issue_examples() -> None:
    by_input = {v["input"]: v for v in vectors()}
    for typed in ("abc", "-2h", "25h", ""):
        assert "error" in by_input[typed]
    assert by_input["1h 30"]["minutes"] == 90
    assert by_input["0.075h"]["minutes"] == 4  # a half rounds to even, in both parsers

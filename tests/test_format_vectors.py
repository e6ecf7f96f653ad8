"""The server's list rows write dates and durations as tests/vectors/format.json says; the
page's formatter (static/js/page/format.js) is held to the same file in Chromium
(tests/browser/test_offline_edit.py), so a row waiting to sync reads like a saved one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kexpwa.domain.durations import format_minutes
from kexpwa.web.templating import templates

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "format.json").read_text()
)


@pytest.mark.parametrize(("minutes", "text"), VECTORS["duration"])
def test_duration_vectors(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text


@pytest.mark.parametrize(("iso", "text"), VECTORS["day"])
def test_day_vectors(iso: str | None, text: str) -> None:
    day = templates.env.filters["day"]  # what the list rows use
    assert day(date.fromisoformat(iso) if iso else None) == text

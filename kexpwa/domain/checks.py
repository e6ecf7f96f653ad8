"""What the phone checks before it saves, taken from the rules the server applies: each kind's
text limits (by form field; a journal entry's sections share one) and the duration parser's
bounds. The client config carries them (``kexpwa.web.client``), so the server's limit and the
phone's are one setting. The checks themselves run in ``static/js/page/checks.js``."""

from __future__ import annotations

from typing import Any

from kexpwa.domain import durations, journal, notes, projects, timelog

LIMITS: dict[str, dict[str, int]] = {
    "note": {"title": notes.TITLE_MAX, "body": notes.BODY_MAX},
    "journal": {
        "title": journal.TITLE_MAX,
        "session_title": journal.TITLE_MAX,
        "sections": journal.SECTION_MAX,
    },
    "time": {"note": timelog.NOTE_MAX},
    "project": {"title": projects.TITLE_MAX, "question": projects.QUESTION_MAX},
}

DURATION: dict[str, int] = {
    "max_minutes": durations.MAX_MINUTES,
    "max_text": durations.MAX_TEXT,
}


def for_kind(kind: str) -> dict[str, Any]:
    """The phone's checks for one kind: ``{"limits": {field: characters}}``, and the duration
    bounds for time entries."""
    out: dict[str, Any] = {"limits": dict(LIMITS.get(kind, {}))}
    if kind == timelog.KIND.name:
        out["duration"] = dict(DURATION)
    return out

"""Durations typed the way people think: "1h 30", "90", "1.5h", "45m", "1:15", "2 hours".

The phone runs the same rules before it saves (``static/js/page/checks.js``): keep the two in
step. ``tests/vectors/durations.json`` holds inputs with their minutes or exact error words,
run against this parser by pytest and against the phone's in Chromium. Patterns are ASCII
only (``re.ASCII``), so the two agree on what a digit is."""

from __future__ import annotations

import re

MAX_MINUTES = 24 * 60
MAX_TEXT = 30  # "1 hour 30 minutes" is 17 characters
QUICK_ADD = (15, 30, 45, 60, 90, 120)

_UNIT_H = r"(?:h|hr|hrs|hour|hours)"
_UNIT_M = r"(?:m|min|mins|minute|minutes)"
_PATTERNS = (
    # "1h 30", "1h30m", "1 hour 30 minutes", "2h"
    re.compile(rf"^(?P<h>\d+(?:\.\d+)?)\s*{_UNIT_H}\s*(?:(?P<m>\d+)\s*{_UNIT_M}?)?$", re.ASCII),
    # "90", "90m", "90 minutes"
    re.compile(rf"^(?P<m>\d+)\s*{_UNIT_M}?$", re.ASCII),
    # "1:15"
    re.compile(r"^(?P<h>\d+):(?P<m>[0-5]\d)$", re.ASCII),
    # "1.5" alone means hours only when it has a fraction (".5" too)
    re.compile(r"^(?P<h>\d*\.\d+)$", re.ASCII),
)


class DurationError(ValueError):
    """The duration could not be understood or is out of range."""


def parse(text: str) -> int:
    """Minutes in ``text``. Raises DurationError with a message a person can act on."""
    cleaned = " ".join(text.strip().lower().replace(",", ".").split())
    if not cleaned:
        raise DurationError("Enter how long it took, for example 1h 30 or 45.")
    if len(cleaned) > MAX_TEXT:
        # Long digit runs overflow float() or exceed int()'s digit limit; no real one is long.
        raise DurationError("That is too long for a duration. Try 1h 30, 90 (minutes) or 1.5h.")
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        hours = float(match.groupdict().get("h") or 0)
        minutes = int(match.groupdict().get("m") or 0)
        if match.groupdict().get("h") is not None and minutes >= 60:
            raise DurationError("Minutes after hours must be under 60, for example 1h 45.")
        total = round(hours * 60) + minutes
        return check(total)
    # Curly quotes, not repr(): the phone must be able to say exactly the same words.
    raise DurationError(
        f"Could not understand \u201c{text.strip()[:20]}\u201d. Try 1h 30, 90 (minutes) or 1.5h."
    )


def check(minutes: int) -> int:
    if minutes <= 0:
        raise DurationError("The time spent must be more than zero.")
    if minutes > MAX_MINUTES:
        raise DurationError("One entry can be at most 24 hours. Split longer work into days.")
    return minutes


def format_minutes(minutes: int) -> str:
    """90 -> "1h 30", 45 -> "45m", 120 -> "2h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h" + (f" {rest:02d}" if rest else "")

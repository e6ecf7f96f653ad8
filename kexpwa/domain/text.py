"""Cleaning and checking the text people type, shared by every record type."""

from __future__ import annotations

import re
from datetime import date, timedelta

from kexpwa.domain import days

# C0 controls except tab, newline and carriage return; DEL and C1 controls; lone surrogates
# (what invalid UTF-8 becomes); the replacement character (what a lossy decoder leaves).
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


class FieldError(ValueError):
    """One field's problem, in words a person can act on."""


def without_bad(value: str) -> str:
    """``value`` with control and broken characters removed (for search terms, which are
    never stored; PostgreSQL rejects NUL in any text parameter)."""
    return _BAD.sub("", value)


def text(value: object, *, label: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(f"{label} must be text.")
    if _BAD.search(value):
        raise FieldError(
            f"{label} contains characters that cannot be stored (control or broken characters). "
            "Please retype that part."
        )
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    stripped = value.strip()
    if required and not stripped:
        raise FieldError(f"Enter {label.lower()}.")
    if len(stripped) > max_length:
        raise FieldError(
            f"{label} can be at most {max_length:,} characters; it is {len(stripped):,}."
        )
    return stripped


def one_line(value: object, *, label: str, max_length: int, required: bool = False) -> str:
    result = text(value, label=label, max_length=max_length, required=required)
    return " ".join(result.split())


def a_date(value: object, *, label: str, required: bool = True) -> date | None:
    """An ISO date (YYYY-MM-DD), no more than a day in the future."""
    if value in (None, ""):
        if required:
            raise FieldError(f"Enter {label.lower()}.")
        return None
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(f"{label} must be a real date, like 2026-11-26.") from None
    else:
        raise FieldError(f"{label} must be a date, like 2026-11-26.")
    if parsed > days.today() + timedelta(days=1):
        raise FieldError(f"{label} cannot be more than a day in the future.")
    if parsed.year < 2000:
        raise FieldError(f"{label} must be in 2000 or later.")
    return parsed


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def a_time(value: object, *, label: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _TIME.match(value.strip()):
        raise FieldError(f"{label} must be a time like 14:30.")
    hours, minutes = value.strip().split(":")
    return f"{int(hours):02d}:{minutes}"


def a_bool(value: object, *, label: str) -> bool:
    """Booleans from JSON (true/false) or forms ("on", "true", "1"; absent means off)."""
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "off", "no"):
        return False
    if value in ("1", "true", "on", "yes"):
        return True
    raise FieldError(f"{label} must be yes or no.")


def tags(value: object, *, allowed: tuple[str, ...]) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldError("Tags must be a list of learning elements.")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise FieldError(f"Unknown learning element: {unknown[0][:60]}.")
    return [t for t in allowed if t in value]  # canonical order, no duplicates

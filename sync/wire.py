"""Strict JSON for the wire: UTF-8 only, no NaN or Infinity, no duplicate keys, bounded depth.

Python's ``json`` module is lenient where a sync server must not be: it accepts ``NaN``,
turns ``1e400`` into infinity and keeps the last of two equal keys. Each of those would store
something other than what the device meant, so each is a request error here.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sync.errors import SyncError

MAX_DEPTH = 12  # envelope > mutations > mutation > data > sections > text is 5


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number is too large")
    return value


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("an object has the same key twice")
    return result


def _depth_ok(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def decode(body: bytes) -> Any:
    """The JSON value in ``body``; raises SyncError ``invalid_json`` or ``too_deep``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SyncError("invalid_json", detail="it is not UTF-8") from None
    try:
        value = json.loads(
            text, parse_constant=_constant, parse_float=_finite, object_pairs_hook=_pairs
        )
    except RecursionError:
        raise SyncError("too_deep", limit=MAX_DEPTH) from None
    except ValueError as exc:  # JSONDecodeError is a ValueError, and so are the hooks' errors
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise SyncError("invalid_json", detail=detail[:200]) from None
    if not _depth_ok(value, MAX_DEPTH):
        raise SyncError("too_deep", limit=MAX_DEPTH)
    return value


def storable(value: Any) -> bool:
    """True if every string in ``value`` (keys too) can be stored as JSON text by SQLite and
    PostgreSQL: no NUL and no lone surrogates (what ``\\ud800`` escapes decode to)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodes(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

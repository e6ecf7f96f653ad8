"""Collecting field errors so a person sees every problem at once, not one per submit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from kexpwa.domain.errors import Invalid
from kexpwa.domain.text import FieldError

T = TypeVar("T")


class Collector:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def field(self, name: str, check: Callable[[Any], T], attr: str | None = None) -> T | None:
        """Run ``check`` on ``data[name]``; on success store it as ``attr`` (default: name)."""
        try:
            value = check(self.data.get(name))
        except FieldError as exc:
            self.errors[name] = str(exc)
            return None
        self.values[attr or name] = value
        return value

    async def confirm(self, name: str, check: Callable[[], Awaitable[object]]) -> None:
        """For a field that parsed, run an async check (e.g. "is this your project?"); its
        FieldError becomes that field's message."""
        if name in self.errors:
            return
        try:
            await check()
        except FieldError as exc:
            self.errors[name] = str(exc)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> dict[str, Any]:
        if self.errors:
            count = len(self.errors)
            raise Invalid(
                "There is a problem with 1 field."
                if count == 1
                else f"There are problems with {count} fields.",
                self.errors,
            )
        return self.values


def an_id(value: object, *, label: str) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise FieldError(f"{label} is not a valid reference.") from None


def merged(current_data: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The record's current wire data with ``data`` laid over it (fields left out keep their
    values); for a new record, ``data`` alone."""
    return {**(current_data or {}), **data}


def tag_text(tags: list[str]) -> str:
    return "|" + "|".join(tags) + "|" if tags else ""

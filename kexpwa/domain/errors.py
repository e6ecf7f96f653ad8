"""Errors a change can end in. Each has a stable code; the sync protocol's catalogue and the
forms' field messages both come from here."""

from __future__ import annotations

from typing import Any


class ChangeError(Exception):
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(ChangeError):
    """The data breaks a rule; ``fields`` maps field names to messages a person can act on."""

    code = "invalid"


class UnknownField(Invalid):
    code = "unknown_field"


class IdentifiersUnresolved(Invalid):
    """Sharing turned on while the record's text has unresolved identifier flags
    (kexpwa.domain.flags)."""

    code = "identifiers_unresolved"


class NotFound(ChangeError):
    """No such record for this person. Deliberately the same whether it does not exist, belongs
    to someone else, or lives in another authority."""

    code = "not_found"

    def __init__(self, message: str = "That entry was not found.") -> None:
        super().__init__(message)


class Stale(ChangeError):
    """The change was based on an older version than the one stored (a conflict)."""

    code = "conflict"

    def __init__(self, current: Any, current_version: int) -> None:
        super().__init__(
            "This entry was changed somewhere else since you opened it. Both versions are kept."
        )
        self.current = current
        self.current_version = current_version


class ReadOnly(ChangeError):
    """A kind a device may read but never write through sync (feedback)."""

    code = "read_only"


class Gone(ChangeError):
    """The entry was deleted too long ago to restore."""

    code = "gone"

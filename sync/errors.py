"""The sync protocol's error catalogue: every error a client can meet, with a stable code.

Two scopes. A *request* error answers the whole HTTP request with its status and
``{"error": {"code", "message", ...}}``; nothing in the request was applied. A *mutation* code
appears in one result of a 200 push response (statuses ``rejected``, ``conflict`` or
``out_of_order``); the other mutations of the push are unaffected. ``sync/PROTOCOL.md`` lists the
same table; ``tests/test_sync_wire.py`` checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    code: str
    status: int  # HTTP status of a request error; 200 for a mutation code
    message: str  # may hold {placeholders} filled in by ``format``


REQUEST: dict[str, Entry] = {
    e.code: e
    for e in (
        Entry("invalid_json", 400, "The request body is not valid JSON: {detail}."),
        Entry("too_deep", 400, "The request is nested more than {limit} levels deep."),
        Entry("invalid_envelope", 400, "The push is malformed: {detail}."),
        Entry(
            "unsupported_schema_version",
            400,
            "schema_version {version} is not supported; this server accepts {accepted}.",
        ),
        Entry(
            "too_many_mutations",
            413,
            "A push may hold at most {limit} mutations; send the rest in another push.",
        ),
        Entry("too_large", 413, "That was too large to accept (the limit is {limit} KB)."),
        Entry(
            "unsupported_media_type",
            415,
            "A push must be JSON, sent with Content-Type: application/json.",
        ),
        Entry(
            "client_mismatch",
            409,
            "This client_id belongs to another account. Stop: the queue was written by someone"
            " else and is only ever sent by their own session.",
        ),
        Entry("invalid_cursor", 400, "The cursor was not issued by this server."),
        Entry("invalid_limit", 400, "limit must be a whole number from 1 to {limit}."),
        Entry("unavailable", 503, "The server is busy. Nothing was lost; try again shortly."),
    )
}

# Raised by the web app around the sync views, listed here so the catalogue is complete.
APP: dict[str, Entry] = {
    e.code: e
    for e in (
        Entry(
            "unauthenticated",
            401,
            "Your session has ended. Sign in again to continue; nothing saved on this device "
            "is lost.",
        ),
        Entry(
            "revoked",
            401,
            "This session was ended: signed out, signed out everywhere, or access was withdrawn. "
            "Sign in again to continue.",
        ),
        Entry("forbidden", 403, "The CSRF token is missing or wrong, or the role may not sync."),
    )
}

MUTATION: dict[str, Entry] = {
    e.code: e
    for e in (
        Entry(
            "conflict",
            200,
            "This entry was changed somewhere else since you opened it. Both versions are kept.",
        ),
        Entry("invalid", 200, "The data breaks a rule; see fields."),
        Entry("unknown_field", 200, "The data has a field this record type does not have."),
        Entry(
            "identifiers_unresolved",
            200,
            "This entry may hold an identifier of a child or family. Edit it, or save it with"
            " \u201cSave anyway\u201d, before you share it.",
        ),
        Entry("unknown_kind", 200, "The kind {kind!r} is not one this server knows."),
        Entry(
            "read_only",
            200,
            "Feedback can't be changed or deleted once posted.",
        ),
        Entry("missing_data", 200, "A {action} needs a data object."),
        Entry(
            "unstorable_text",
            200,
            "The change holds characters that cannot be stored (NUL or broken characters).",
        ),
        Entry("not_found", 200, "That entry was not found."),
        Entry("deleted", 200, "That entry was deleted. Restore it first to change it."),
        Entry("gone", 200, "Deleted entries can be restored for {days} days; this one is older."),
        Entry(
            "mutation_id_taken",
            200,
            "That mutation_id was already used for another change; make a new one.",
        ),
        Entry("seq_gap", 200, "An earlier change from this device has not arrived yet."),
        Entry("seq_reused", 200, "This seq was already used by another change from this device."),
        Entry(
            "not_attempted", 200, "Not attempted: an earlier change in this push was out of order."
        ),
    )
}


class SyncError(Exception):
    """A request error: the whole request is answered with ``status`` and nothing is applied."""

    def __init__(self, code: str, **details: Any) -> None:
        entry = REQUEST[code]
        self.code = code
        self.status = entry.status
        self.details = details
        self.message = entry.message.format(**details) if details else entry.message
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if "path" in self.details:
            error["path"] = self.details["path"]
        return {"error": error}


def message(code: str, **details: Any) -> str:
    """The catalogue message of a mutation code, with its placeholders filled in."""
    text = MUTATION[code].message
    return text.format(**details) if details else text

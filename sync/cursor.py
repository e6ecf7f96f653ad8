"""The pull cursor: opaque to clients; to the server a change number, a scope fingerprint and
the purge mark it was issued under.

The change number is per authority database and assigned inside the writing transaction (see
``kexpwa.domain.changes.next_change_no``), so it never skips a committed change. The scope is a
fingerprint of what the reader may see: when it changes (a lead's team changes), the cursor no
longer describes the device's copy and the pull starts again from the beginning.

The purge mark is the authority's ``purged_through`` when the cursor was issued. A cursor below
the current mark has missed purged tombstones, unless it was issued under that mark: then it
belongs to a pass that started after the purge (a first pull or a reset), which sends what is
left and lets the device drop the rest, so its next pages continue instead of starting again.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from sync.errors import SyncError

PREFIX = "c2"
LEGACY = "c1"  # number and scope only, from before the mark; decoded with mark 0
_SCOPE = re.compile(r"[0-9a-f]{1,64}")
_NUMBER = re.compile(r"[0-9]{1,19}")  # ASCII digits only: int() takes any
MAX_NUMBER = 2**63 - 1


@dataclass(frozen=True)
class Cursor:
    number: int
    scope: str
    purge_mark: int = 0

    def encode(self) -> str:
        raw = f"{PREFIX}:{self.number}:{self.scope}:{self.purge_mark}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def missed_purge(self, purged_through: int) -> bool:
        """True if tombstones this cursor's device never heard of may have been purged."""
        return self.number < purged_through and self.purge_mark < purged_through

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises SyncError ``invalid_cursor`` for anything this server did not issue. Cursors
        of the earlier ``c1`` form stay valid (devices hold them across an upgrade)."""
        if not text or len(text) > 200:
            raise SyncError("invalid_cursor")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, ValueError):
            raise SyncError("invalid_cursor") from None
        parts = raw.split(":")
        if parts[0] == LEGACY and len(parts) == 3:
            parts.append("0")
        elif parts[0] != PREFIX or len(parts) != 4:
            raise SyncError("invalid_cursor")
        _, number, scope, mark = parts
        if not (_NUMBER.fullmatch(number) and _NUMBER.fullmatch(mark) and _SCOPE.fullmatch(scope)):
            raise SyncError("invalid_cursor")
        if int(number) > MAX_NUMBER or int(mark) > MAX_NUMBER:
            raise SyncError("invalid_cursor")
        return cls(int(number), scope, int(mark))

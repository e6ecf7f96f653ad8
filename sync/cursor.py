"""The pull cursor: opaque to clients, a change number and a scope fingerprint to the server.

The change number is per authority database and assigned inside the writing transaction (see
``kexpwa.domain.changes.next_change_no``), so it never skips a committed change. The scope is a
fingerprint of what the reader may see: when it changes (a lead's team changes), the cursor no
longer describes the device's copy and the pull starts again from the beginning.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from sync.errors import SyncError

PREFIX = "c1"
_SCOPE = re.compile(r"^[0-9a-f]{1,64}$")
MAX_NUMBER = 2**63 - 1


@dataclass(frozen=True)
class Cursor:
    number: int
    scope: str

    def encode(self) -> str:
        raw = f"{PREFIX}:{self.number}:{self.scope}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises SyncError ``invalid_cursor`` for anything this server did not issue."""
        if not text or len(text) > 200:
            raise SyncError("invalid_cursor")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, ValueError):
            raise SyncError("invalid_cursor") from None
        parts = raw.split(":")
        if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit():
            raise SyncError("invalid_cursor")
        number = int(parts[1])
        if number > MAX_NUMBER or not _SCOPE.match(parts[2]):
            raise SyncError("invalid_cursor")
        return cls(number, parts[2])

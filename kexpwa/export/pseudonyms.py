"""Keyed pseudonyms for the research dataset.

A practitioner is ``P-`` and five Crockford base32 characters of HMAC-SHA256, keyed with their
authority's ``pseudonym_key``, over the authority's slug and the user's id; a team ``T-``, a
row ``R-`` (ten characters) the same way. The key stays with the deployment and is never
exported, so the same person gets the same pseudonym in every export until the key is rotated
(``kexpwa pseudonym-key --rotate``), after which every pseudonym of that authority changes.
"""

from __future__ import annotations

import hmac
import uuid
from functools import lru_cache

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code(key: bytes, message: str, length: int) -> str:
    digest = hmac.digest(key, message.encode(), "sha256")  # the one-shot C path: per row
    number = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(length):
        out.append(CROCKFORD[number & 31])
        number >>= 5
    return "".join(out)


class Pseudonyms:
    """The pseudonyms of one authority's people, teams and rows."""

    def __init__(self, slug: str, key: str) -> None:
        self._slug = slug
        self._key = key.encode()
        self.person = lru_cache(maxsize=4096)(self._person)
        self.team = lru_cache(maxsize=1024)(self._team)

    def _person(self, user_id: uuid.UUID) -> str:
        return "P-" + _code(self._key, f"person\x1f{self._slug}\x1f{user_id}", 5)

    def _team(self, team_id: uuid.UUID | None) -> str:
        if team_id is None:
            return ""
        return "T-" + _code(self._key, f"team\x1f{self._slug}\x1f{team_id}", 5)

    def record(self, kind: str, record_id: uuid.UUID | None) -> str:
        """A row's (or a project's) stable pseudonym; empty for no record."""
        if record_id is None:
            return ""
        return "R-" + _code(self._key, f"{kind}\x1f{self._slug}\x1f{record_id}", 10)

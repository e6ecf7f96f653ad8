"""Which schema_versions a push may use, and parsing a push body into a :class:`Push`.

Each accepted version has a parser module (``sync.v1``) that checks that version's shape and
returns the same :class:`Push`. To add version 2: write ``sync/v2.py``, add it to ``PARSERS`` and
make ``CURRENT`` 2, and keep ``1`` in ``PARSERS``: pages cached on devices go on queueing the
old shape for days, so the previous version stays accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sync import v1, wire
from sync.envelope import Limits, Push, malformed
from sync.errors import SyncError

Parser = Callable[[dict[str, Any], Limits], Push]

PARSERS: dict[int, Parser] = {1: v1.parse}
CURRENT = 1
ACCEPTED = tuple(sorted(PARSERS))


def parse(body: bytes, limits: Limits) -> Push:
    """Check a push body and return it as a :class:`Push`. Raises SyncError (400 or 413)."""
    if len(body) > limits.max_bytes:
        raise SyncError("too_large", limit=limits.max_bytes // 1024)
    document = wire.decode(body)
    if not isinstance(document, dict):
        raise malformed("body", "must be a JSON object")
    if "schema_version" not in document:
        raise malformed("schema_version", "is required")
    version = document["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise malformed("schema_version", "must be a whole number")
    parser = PARSERS.get(version)
    if parser is None:
        accepted = ", ".join(str(v) for v in ACCEPTED)
        raise SyncError("unsupported_schema_version", version=version, accepted=accepted)
    mutations = document.get("mutations")
    if isinstance(mutations, list) and len(mutations) > limits.max_mutations:
        raise SyncError("too_many_mutations", limit=limits.max_mutations)
    return parser(document, limits)

"""Answering a pull: every change the reader may see after the cursor, exactly once, in pages.

The upper bound of a pull is the committed change counter read at its start (``Marks.high``):
writers hold the counter's row lock until they commit, so every number up to it is committed
and visible. Changes committed during the pull get higher numbers and come in the next one.
"""

from __future__ import annotations

import re
from typing import Any

from sync.cursor import Cursor
from sync.errors import SyncError
from sync.ports import Feed

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
_LIMIT = re.compile(r"[0-9]{1,6}")


def parse_limit(text: str | None, maximum: int = MAX_LIMIT) -> int:
    """The page size asked for: ASCII digits from 1 to ``maximum``, or the default if absent.
    Raises SyncError ``invalid_limit`` for anything else (``str.isdigit`` alone would let
    "²" or "①" through to ``int()``, which refuses them)."""
    if text is None or text == "":
        return min(DEFAULT_LIMIT, maximum)
    if not _LIMIT.fullmatch(text) or not 1 <= int(text) <= maximum:
        raise SyncError("invalid_limit", limit=maximum)
    return int(text)


async def pull(
    feed: Feed, cursor_text: str | None, limit_text: str | None, max_limit: int = MAX_LIMIT
) -> dict[str, Any]:
    """The 200 response to a pull. Raises SyncError for a bad cursor or limit.

    ``reset`` is true when the cursor can no longer be continued (what the reader may see
    changed, tombstones after it were purged, or it is from a database restored to an older
    state); the pull then starts from the beginning, and the device replaces its copy with what
    this pass returns (see sync/PROTOCOL.md, "Starting again"). Only the first page of such a
    pass says ``reset``: its cursors carry the purge mark, so its later pages continue even
    though they are below the mark, and every pass ends.
    """
    limit = parse_limit(limit_text, max_limit)
    cursor = Cursor.decode(cursor_text) if cursor_text else None
    scope = await feed.scope()
    marks = await feed.marks()
    after = 0
    reset = False
    if cursor is not None:
        stale = cursor.scope != scope or cursor.number > marks.high
        reset = stale or cursor.missed_purge(marks.purged_through)
        after = 0 if reset else cursor.number
    page = await feed.page(after, marks.high, limit)
    now = await feed.marks()
    if after and now.purged_through > marks.purged_through and after < now.purged_through:
        # A purge ran during this pull and may have taken a tombstone the page should hold.
        reset, after, marks = True, 0, now
        page = await feed.page(0, marks.high, limit)
    number = page.last if page.has_more else marks.high
    return {
        "cursor": Cursor(number, scope, marks.purged_through).encode(),
        "has_more": page.has_more,
        "reset": reset,
        "changes": page.changes,
    }

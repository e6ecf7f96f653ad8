"""Sample content for demo practitioners."""

from __future__ import annotations

from kexpwa.models.account import User


async def add_samples(user: User) -> None:
    """Filled in by the capture work: a project, a note, a journal entry and time."""
    return None

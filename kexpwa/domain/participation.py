"""Research participation: one choice per practitioner, "include my time log and my research
stages in the research dataset" (durations, activities, work or own time, stage dates; never the
text of time notes or project questions). Off by default, withdrawn at any time.

The current choice is a ``research_consent`` row (no row: no); every change is also a dated
``SharingChange`` (kind ``participation``, the person's id as ``record_id``, audience
``research``), the same history the per-entry choices keep. The export reads the choice at
export time, in SQL (:func:`consenting`), so a withdrawal excludes everything at the next export.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.models.consent import ResearchConsent
from kexpwa.models.records import SharingChange

HISTORY_KIND = "participation"
AUDIENCE = "research"


@dataclass(frozen=True)
class Change:
    at: datetime
    included: bool


async def current(user_id: uuid.UUID) -> bool:
    """Whether this person (of the bound authority) includes their time and projects now."""
    row = await ResearchConsent.get_or_none(user_id=user_id)
    return bool(row and row.time_and_projects)


async def choose(user_id: uuid.UUID, include: bool) -> bool:
    """Record the person's choice; returns whether it changed anything. A change and its dated
    history row are written in one transaction; choosing what is already chosen writes nothing."""
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        row = (
            await ResearchConsent.filter(user_id=user_id).select_for_update().using_db(conn).first()
        )
        if bool(row and row.time_and_projects) == include:
            return False
        if row is None:
            await ResearchConsent.create(user_id=user_id, time_and_projects=include, using_db=conn)
        else:
            row.time_and_projects = include
            await row.save(using_db=conn, update_fields=["time_and_projects", "changed_at"])
        await SharingChange.create(
            kind=HISTORY_KIND,
            record_id=user_id,
            audience=AUDIENCE,
            shared=include,
            actor_id=user_id,
            using_db=conn,
        )
    return True


async def history(user_id: uuid.UUID) -> list[Change]:
    """Every change of the person's choice, oldest first."""
    rows = await SharingChange.filter(
        kind=HISTORY_KIND, record_id=user_id, audience=AUDIENCE
    ).order_by("changed_at", "id")
    return [Change(r.changed_at, r.shared) for r in rows]


def consenting() -> Any:
    """The ids of the bound authority's people who include their time and projects now: a
    subquery for the research rule (:mod:`kexpwa.domain.visibility`)."""
    return ResearchConsent.filter(time_and_projects=True).values("user_id")

"""What a team lead has read of the entries shared with them: marking read, and unread counts.

Only entries the lead may read now (:func:`kexpwa.domain.visibility.shared_with_lead`) are ever
marked or counted; an entry whose sharing was withdrawn drops out of both at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.functions import Count

from kexpwa.domain import visibility
from kexpwa.domain.visibility import Reader
from kexpwa.models.reading import ReadMark


async def mark_read(reader_id: uuid.UUID, kind_name: str, record_id: uuid.UUID) -> bool:
    """Note that the reader opened this entry; True the first time."""
    if await ReadMark.exists(reader_id=reader_id, kind=kind_name, record_id=record_id):
        return False
    try:
        await ReadMark.create(reader_id=reader_id, kind=kind_name, record_id=record_id)
    except IntegrityError:  # opened twice at once: the other request marked it
        return False
    return True


async def read_ids(
    reader_id: uuid.UUID, kind_name: str, record_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these entries the reader has opened."""
    ids = list(record_ids)
    if not ids:
        return set()
    rows = await ReadMark.filter(
        reader_id=reader_id, kind=kind_name, record_id__in=ids
    ).values_list("record_id", flat=True)
    return {uuid.UUID(str(value)) for value in rows}


async def read_by_owner(reader: Reader) -> dict[uuid.UUID, int]:
    """Per member, how many of the entries they share with the reader now were opened (one
    query per kind the lead reads entry by entry, led by the reader's own read marks)."""
    counts: dict[uuid.UUID, int] = {}
    for kind in visibility.lead_kinds():
        marks = ReadMark.filter(reader_id=reader.user_id, kind=kind.name).values("record_id")
        rows = (
            await kind.model.filter(visibility.shared_with_lead(reader, kind))
            .filter(id__in=Subquery(marks))
            .annotate(n=Count("id"))
            .group_by("owner_id")
            .values("owner_id", "n")
        )
        for row in rows:
            owner = uuid.UUID(str(row["owner_id"]))
            counts[owner] = counts.get(owner, 0) + int(row["n"])
    return counts


def unread(shared: Mapping[uuid.UUID, int], read: Mapping[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    """Shared now minus opened, per member (never below zero)."""
    return {owner: max(0, n - read.get(owner, 0)) for owner, n in shared.items()}


async def recent_reads(reader: Reader, limit: int) -> list[tuple[str, uuid.UUID]]:
    """The entries the reader opened most recently and may still read (kind, id): the ones
    the offline client keeps ready."""
    kinds = [kind.name for kind in visibility.lead_kinds()]  # not the feedback seen marks
    marks = (
        await ReadMark.filter(reader_id=reader.user_id, kind__in=kinds)
        .order_by("-read_at", "-id")
        .limit(limit * 2)
        .values_list("kind", "record_id")
    )
    found: list[tuple[str, uuid.UUID]] = []
    for kind in visibility.lead_kinds():
        ids = [uuid.UUID(str(rid)) for k, rid in marks if k == kind.name]
        if not ids:
            continue
        live = await kind.model.filter(
            visibility.shared_with_lead(reader, kind), id__in=ids
        ).values_list("id", flat=True)
        found += [(kind.name, uuid.UUID(str(rid))) for rid in live]
    order = {(k, uuid.UUID(str(r))): i for i, (k, r) in enumerate(marks)}
    return sorted(found, key=lambda item: order.get(item, 0))[:limit]

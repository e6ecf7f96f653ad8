"""Research participation: one choice per practitioner, "include my time log and my research
stages in the research dataset" (durations, activities, work or own time, stage dates; never the
text of time notes or project questions). Off by default, withdrawn at any time.

It is a record kind (``participation``) so the choice travels through sync and can be made
offline, like any entry: one :class:`~kexpwa.models.consent.Participation` per person, whose id
is derived from the person's (:func:`record_id`), so every device edits the same record and two
offline choices meet in the ordinary conflict check. Its one field, ``time_and_projects``, is a
share field (audience ``research``): the change path keeps its dated history as
``SharingChange`` rows (kind ``participation``), as it does for the per-entry choices. The
export reads the choice at export time, in SQL (:func:`consenting`), so a withdrawal excludes
everything at the next export. A participation record is never deleted: "no" is said by
changing it (:mod:`kexpwa.domain.changes` refuses the rest). A choice made on the server (the
form post) goes through :func:`kexpwa.domain.consent.choose`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain import text as t
from kexpwa.domain.kinds import Context, Form, Kind, Rule
from kexpwa.domain.validation import Collector, merged
from kexpwa.models.account import User
from kexpwa.models.audit import AuditEvent
from kexpwa.models.consent import Participation
from kexpwa.models.records import SharingChange

NAME = "participation"
AUDIENCE = "research"
FIELD = "time_and_projects"
# The ids of participation records: uuid5 of the person's id in this namespace.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://kexpwa.invalid/participation")


def record_id(user_id: uuid.UUID) -> uuid.UUID:
    """The one participation record id this person may have (the same on every device)."""
    return uuid.uuid5(NAMESPACE, str(user_id))


def serialize(record: Participation) -> dict[str, Any]:
    return {FIELD: record.time_and_projects}


async def validate(
    data: Mapping[str, Any], current: Participation | None, ctx: Context
) -> dict[str, Any]:
    c = Collector(merged(serialize(current) if current else None, data))
    c.field(FIELD, partial(t.a_bool, label="Include my time log and my research stages"))
    return c.done()


@dataclass(frozen=True)
class Change:
    at: datetime
    included: bool


async def record(user_id: uuid.UUID) -> Participation | None:
    """This person's participation record (of the bound authority), if they ever chose."""
    return await Participation.get_or_none(id=record_id(user_id), owner_id=user_id)


async def current(user_id: uuid.UUID) -> bool:
    """Whether this person (of the bound authority) includes their time and projects now."""
    found = await record(user_id)
    return bool(found and found.time_and_projects and found.deleted_at is None)


async def history(user_id: uuid.UUID) -> list[Change]:
    """Every change of the person's choice, oldest first."""
    rows = await SharingChange.filter(
        kind=NAME, record_id=record_id(user_id), audience=AUDIENCE
    ).order_by("changed_at", "id")
    return [Change(r.changed_at, r.shared) for r in rows]


async def after_change(
    record: Participation, previous: Mapping[str, Any] | None, conn: BaseDBAsyncClient
) -> None:
    """Audit every change of the choice in its own transaction, however it was made: the form,
    or a device's sync of a choice made offline. (Only its owner changes it: ``Kind.single``.)"""
    included = bool(record.time_and_projects)
    if previous is not None and bool(previous.get(FIELD)) == included:
        return
    roles = await User.filter(id=record.owner_id).using_db(conn).values_list("role", flat=True)
    await AuditEvent.create(
        action=AUDIT_ACTION,
        actor_id=record.owner_id,
        actor_role=str(roles[0]) if roles else "",
        target_kind="user",
        target_id=str(record.owner_id),
        detail={"included": included},
        using_db=conn,
    )


AUDIT_ACTION = "research.participation"


def consenting() -> Any:
    """The ids of the bound authority's people who include their time and projects now: a
    subquery for the research rule (:mod:`kexpwa.domain.visibility`)."""
    return Participation.filter(time_and_projects=True, deleted_at__isnull=True).values("owner_id")


KIND = Kind(
    name=NAME,
    label="research participation choice",
    model=Participation,
    fields=frozenset({FIELD}),
    validate=validate,
    serialize=serialize,
    # A yes/no radio pair ("true"/"false"): absent is not "no", so not a checkbox flag.
    form=Form(text=(FIELD,)),
    search=(),
    order=("-updated_at",),
    list_route="participation",
    list_title="Research participation",
    warm_routes=("participation",),
    client_label=(),
    share_fields={FIELD: AUDIENCE},
    lead=Rule.NEVER,
    research=Rule.NEVER,  # the research fellow never reads the record; the export asks SQL
    single=record_id,
    after_change=after_change,
)

"""The feedback kind: a short comment on a note or journal entry, described once like every
kind (see kexpwa.domain.kinds). Its records belong to their entry (:class:`Parent`): they are
read by whoever may read the entry now, and written only by kexpwa.domain.feedback.comment."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any

from kexpwa.domain import text as t
from kexpwa.domain.errors import Invalid
from kexpwa.domain.kinds import Context, Form, Kind, Parent, Rule
from kexpwa.domain.validation import Collector
from kexpwa.models.feedback import Feedback

BODY_MAX = 2_000
PARENT = Parent(kinds=("note", "journal"))
FIELDS = frozenset(
    {"body", "parent_kind", "parent_id", "parent_owner_id", "author_name", "by_owner"}
)


def serialize(item: Feedback) -> dict[str, Any]:
    return {
        "parent_kind": item.parent_kind,
        "parent_id": str(item.parent_id),
        "body": item.body,
        "author_name": item.author_name,
        "by_owner": item.by_owner,
        "created_at": item.created_at.isoformat() if item.created_at else None,
    }


async def validate(
    data: Mapping[str, Any], current: Feedback | None, ctx: Context
) -> dict[str, Any]:
    """The comment's text; the parent fields come from kexpwa.domain.feedback.comment, which
    has checked the actor may comment, never from a device. A comment is never edited."""
    if current is not None:
        raise Invalid("Feedback can't be changed once posted.")
    c = Collector(dict(data))
    c.field("body", partial(t.text, label="Your comment", max_length=BODY_MAX, required=True))
    values = c.done()
    if data.get("parent_kind") not in PARENT.kinds:
        raise Invalid("Feedback belongs to a note or a journal entry.")
    values["parent_kind"] = str(data["parent_kind"])
    values["parent_id"] = uuid.UUID(str(data["parent_id"]))
    values["parent_owner_id"] = uuid.UUID(str(data["parent_owner_id"]))
    values["author_name"] = str(data.get("author_name") or "")[:200]
    values["by_owner"] = bool(data.get("by_owner"))
    return values


KIND = Kind(
    name="feedback",
    label="feedback",
    model=Feedback,
    fields=FIELDS,
    validate=validate,
    serialize=serialize,
    form=Form(text=("body",)),
    search=("body",),
    order=("created_at", "id"),
    list_route="",  # no list of its own: a thread is shown beside its entry
    list_title="",
    warm_routes=(),
    client_label=("body",),
    lead=Rule.SHARED,  # through the parent: while the entry is shared with the lead
    research=Rule.NEVER,
    parent=PARENT,
)

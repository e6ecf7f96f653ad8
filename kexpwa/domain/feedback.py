"""Feedback between a team lead and a practitioner: a short thread beside a shared note or
journal entry. The kind itself is described in kexpwa.domain.feedback_kind.

- A lead of the entry owner's team may comment while the entry is shared with them now (the
  same :func:`~kexpwa.domain.visibility.shared_with_lead` rule as the lead's pages).
- The owner may reply on their own live entry while it is shared with their lead, or once it
  has a thread (a withdrawn entry's thread stays theirs to read and answer).
- Who reads a thread is its entry's readers (:func:`~kexpwa.domain.visibility.readable` for
  the feedback kind): the owner, and the leads while it is shared with them.
- Comments are append-only: never edited or deleted by their author.

A comment is written through the one change path (so it has a change number, and pulls carry
it), with an audit row in the same transaction; each hook registered with
:func:`on_new_comment` is called once with it inside that transaction (web push plugs in
there: its outbox row commits with the comment).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from kexpwa import tenancy
from kexpwa.domain import changes, registry, visibility
from kexpwa.domain.errors import Invalid, NotFound
from kexpwa.domain.feedback_kind import BODY_MAX, KIND, PARENT
from kexpwa.domain.kinds import Context, Kind
from kexpwa.models.account import Role, User
from kexpwa.models.audit import AuditEvent
from kexpwa.models.feedback import Feedback
from kexpwa.models.reading import ReadMark
from kexpwa.models.records import Record

log = logging.getLogger(__name__)

Hook = Callable[[Feedback], Awaitable[None]]
_HOOKS: list[Hook] = []

NOT_SHARED = (
    "Share this entry with your team lead to start a conversation about it: feedback is only "
    "possible on shared entries."
)
__all__ = [
    "BODY_MAX",
    "NOT_SHARED",
    "Thread",
    "comment",
    "mark_seen",
    "on_new_comment",
    "thread",
    "threads_of",
    "unseen",
]


def on_new_comment(hook: Hook) -> Hook:
    """Call ``hook`` (an async callable) once with every new comment, inside the comment's
    transaction (its model queries join it). A failing hook is logged (its error's class only)
    and rolled back to its savepoint; it never undoes the comment. Registering twice is a no-op."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def remove_hook(hook: Hook) -> None:
    """Stop calling ``hook`` (tests, or a plug-in being unloaded)."""
    if hook in _HOOKS:
        _HOOKS.remove(hook)


def parent_kind_of(name: str) -> Kind:
    """A kind that may have feedback; anything else is "not found" (never a 500)."""
    kind = registry.get(name)
    if kind is None or kind.name not in PARENT.kinds:
        raise NotFound()
    return kind


async def _parent(kind: Kind, parent_id: uuid.UUID, conn: object) -> Record | None:
    query = kind.model.filter(id=parent_id, deleted_at__isnull=True).select_for_update()
    return await query.using_db(conn).first()  # type: ignore[arg-type]


def _shared_with_lead(kind: Kind, record: Record) -> bool:
    field = kind.share_field("lead")
    return bool(field and getattr(record, field))


async def comment(
    actor: User,
    parent_kind: str,
    parent_id: uuid.UUID,
    body: str,
    *,
    record_id: uuid.UUID | None = None,
) -> Feedback:
    """Post ``body`` on the entry, as a lead's comment or the owner's reply.

    Raises :class:`NotFound` for an entry the actor may not comment on without knowing it
    exists (another person's private, withdrawn or deleted entry, another team's, an unknown
    kind), and :class:`Invalid` for an empty or too long comment, or the owner's own entry
    that is neither shared nor already has a thread. Nothing is written then.

    ``record_id`` is the comment's id when the device made it (a reply queued offline, sent
    by a sync push); inside the push's transaction the hooks run before that commits."""
    kind = parent_kind_of(parent_kind)
    reader = await visibility.reader_for(actor.id, Role(actor.role))
    ctx = Context(actor, (), (), 0)
    async with in_transaction(tenancy.alias(tenancy.current())) as conn:
        # The entry's row lock orders this comment against a change of its sharing.
        parent = await _parent(kind, parent_id, conn)
        if parent is None:
            raise NotFound()
        by_owner = parent.owner_id == actor.id
        if by_owner:
            if not _shared_with_lead(kind, parent):
                has_thread = (
                    await Feedback.filter(parent_kind=kind.name, parent_id=parent.id)
                    .using_db(conn)
                    .exists()
                )
                if not has_thread:
                    raise Invalid(NOT_SHARED, {"body": NOT_SHARED})
        else:
            allowed = kind.model.filter(visibility.shared_with_lead(reader, kind), id=parent.id)
            if not await allowed.using_db(conn).exists():
                raise NotFound()
        data = {
            "body": body,
            "parent_kind": kind.name,
            "parent_id": str(parent.id),
            "parent_owner_id": str(parent.owner_id),
            "author_name": actor.display_name,
            "by_owner": by_owner,
        }
        new_id = record_id or uuid.uuid4()
        applied = await changes.upsert(ctx, KIND.name, new_id, data, None)
        await AuditEvent.create(
            action="feedback.reply" if by_owner else "feedback.comment",
            actor_id=actor.id,
            actor_role=str(Role(actor.role).value),
            target_kind=kind.name,
            target_id=str(parent.id),
            detail={"feedback_id": str(applied.record.id)},
            using_db=conn,
        )
        item = applied.record
        assert isinstance(item, Feedback)
        for hook in list(_HOOKS):
            try:
                # Each hook in a savepoint of the comment's transaction: what it writes (a
                # push notification in the outbox) commits with the comment, and a hook that
                # fails is rolled back alone.
                async with in_transaction(tenancy.alias(tenancy.current())):
                    await hook(item)
            except Exception as exc:  # a hook must never undo or fail a comment
                log.warning("feedback hook failed: %s", type(exc).__name__)
    return item


@dataclass(frozen=True)
class Thread:
    """A thread as one reader sees it: its comments, oldest first, and whether they may post."""

    parent_kind: str
    parent_id: uuid.UUID
    items: list[Feedback]
    can_post: bool
    by_lead: bool  # the reader is a lead (else the entry's owner)

    @property
    def closed_reason(self) -> str:
        return "" if self.can_post else NOT_SHARED


async def thread(reader: visibility.Reader, parent_kind: str, record: Record) -> Thread:
    """The feedback on ``record`` (an entry the caller has checked the reader may read now:
    their own, or shared with them), as ``reader`` may read it."""
    kind = parent_kind_of(parent_kind)
    items = list(
        await Feedback.filter(
            visibility.readable(reader, KIND), parent_kind=kind.name, parent_id=record.id
        ).order_by("created_at", "id")
    )
    own = record.owner_id == reader.user_id
    if own:
        can_post = record.deleted_at is None and (_shared_with_lead(kind, record) or bool(items))
    else:
        allowed = kind.model.filter(visibility.shared_with_lead(reader, kind), id=record.id)
        can_post = await allowed.exists()
    return Thread(kind.name, record.id, items, can_post, by_lead=not own)


async def mark_seen(reader_id: uuid.UUID, items: list[Feedback]) -> None:
    """The reader has seen these comments (their entry's page showed them): read marks, as a
    lead's reads of shared entries are kept (kexpwa.models.reading), one per comment."""
    others = [i.id for i in items if i.owner_id != reader_id]
    if not others:
        return
    seen = await ReadMark.filter(
        reader_id=reader_id, kind=KIND.name, record_id__in=others
    ).values_list("record_id", flat=True)
    known = {str(value) for value in seen}
    new = [
        ReadMark(reader_id=reader_id, kind=KIND.name, record_id=i)
        for i in others
        if str(i) not in known
    ]
    if new:
        await ReadMark.bulk_create(new, ignore_conflicts=True)  # a second tab may race us


@dataclass(frozen=True)
class Unseen:
    """An entry of the reader's with comments from someone else they have not seen yet."""

    kind: str
    record_id: uuid.UUID
    title: str
    count: int


async def unseen(reader: visibility.Reader) -> list[Unseen]:
    """The reader's own entries with feedback from someone else (their lead) that they have
    not seen yet, by kind and title: one query for the threads, one per entry kind with any
    for the titles."""
    seen = ReadMark.filter(reader_id=reader.user_id, kind=KIND.name).values("record_id")
    rows = (
        await Feedback.filter(visibility.readable(reader, KIND), parent_owner_id=reader.user_id)
        .exclude(owner_id=reader.user_id)
        .exclude(id__in=Subquery(seen))
        .annotate(n=Count("id"))
        .group_by("parent_kind", "parent_id")
        .values("parent_kind", "parent_id", "n")
    )
    titles: dict[tuple[str, str], str] = {}
    for name in PARENT.kinds:
        ids = [row["parent_id"] for row in rows if row["parent_kind"] == name]
        kind = registry.get(name)
        if ids and kind is not None:
            found = await kind.model.filter(id__in=ids).values_list("id", "title")
            titles.update({(name, str(rid)): str(title) for rid, title in found})
    out = [
        Unseen(
            str(row["parent_kind"]),
            uuid.UUID(str(row["parent_id"])),
            titles.get((str(row["parent_kind"]), str(row["parent_id"])), ""),
            int(row["n"]),
        )
        for row in rows
    ]
    return sorted(out, key=lambda u: (u.kind, u.title))


async def threads_of(reader: visibility.Reader, limit: int) -> list[tuple[str, uuid.UUID]]:
    """The reader's own entries that have a thread, the most recently commented first (kind,
    id): the pages the offline client keeps ready, so feedback is there without signal."""
    rows = (
        await Feedback.filter(visibility.readable(reader, KIND), parent_owner_id=reader.user_id)
        .order_by("-change_no")
        .limit(limit * 4)
        .values_list("parent_kind", "parent_id")
    )
    found: list[tuple[str, uuid.UUID]] = []
    for kind, parent_id in rows:
        item = (str(kind), uuid.UUID(str(parent_id)))
        if item not in found:
            found.append(item)
    return found[:limit]

"""Feedback, in the domain (no HTTP): who may comment and reply, who reads a thread, what
withdrawing sharing does, the audit rows and the new-comment hook. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from kexpwa import tenancy
from kexpwa.domain import feedback, registry, tombstones, visibility
from kexpwa.domain.errors import Invalid, NotFound
from kexpwa.models.account import Role
from kexpwa.models.audit import AuditEvent
from kexpwa.models.feedback import Feedback
from kexpwa.models.records import JournalEntry
from tests.support import Made, UserFactory
from tests.team_helpers import Team, delete, edit, make, team

KIND = registry.kind_of("feedback")


async def post(who: Made, kind: str, entry: Any, body: str) -> Feedback:
    with tenancy.bound(who.authority):
        return await feedback.comment(who.user, kind, entry.id, body)


async def reads(who: Made, entry: Any) -> list[str]:
    """The bodies of the feedback on ``entry`` that ``who`` may read now."""
    with tenancy.bound(who.authority):
        reader = await visibility.reader_for(who.user.id, Role(who.user.role))
        rows = Feedback.filter(visibility.readable(reader, KIND), parent_id=entry.id)
        return [str(b) for b in await rows.order_by("created_at").values_list("body", flat=True)]


async def count(authority: str = "edinburgh") -> int:
    with tenancy.bound(authority):
        return await Feedback.all().count()


async def shared_entry(t: Team, kind: str = "journal") -> Any:
    return await make(t.pat, kind, title="Listening first", share_lead=True)


async def test_a_lead_comments_and_the_owner_replies_in_one_thread(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    first = await post(t.lee, "journal", entry, "  This is a thoughtful piece.  ")
    reply = await post(t.pat, "journal", entry, "Thank you, it helped to write it.")
    assert first.body == "This is a thoughtful piece." and not first.by_owner
    assert first.author_name == t.lee.user.display_name
    assert reply.by_owner and reply.owner_id == t.pat.user.id
    assert first.parent_owner_id == t.pat.user.id
    expected = ["This is a thoughtful piece.", "Thank you, it helped to write it."]
    assert await reads(t.pat, entry) == expected
    assert await reads(t.lee, entry) == expected
    with tenancy.bound("edinburgh"):
        reader = await visibility.reader_for(t.pat.user.id, Role.PRACTITIONER)
        thread = await feedback.thread(reader, "journal", entry)
    assert [i.body for i in thread.items] == expected and thread.can_post
    assert first.change_no < reply.change_no  # through the change path: pulls carry them


async def test_nobody_else_reads_a_thread(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t, "note")
    await post(t.lee, "note", entry, "Good observation.")
    assert await reads(t.sam, entry) == []  # a teammate
    assert await reads(t.zed, entry) == []  # another team
    assert await reads(t.ola, entry) == []  # another authority (nothing there at all)
    other_lead = await users("edinburgh", "lou", Role.TEAM_LEAD, team="Portobello")
    assert await reads(other_lead, entry) == []
    with tenancy.bound("edinburgh"):
        research = visibility.research_reader(uuid.uuid4())
        found = await Feedback.filter(visibility.readable(research, KIND)).count()
        ever = await Feedback.filter(visibility.candidates(research, KIND)).count()
    assert found == ever == 0


@pytest.mark.parametrize("case", ["private", "withdrawn", "deleted", "other team"])
async def test_a_lead_may_comment_only_on_what_is_shared_with_them_now(
    users: UserFactory, case: str
) -> None:
    t = await team(users)
    if case == "private":
        entry = await make(t.pat, "note", title="Mine", share_lead=False)
    elif case == "withdrawn":
        entry = await edit(t.pat, "note", await shared_entry(t, "note"), share_lead=False)
    elif case == "deleted":
        entry = await delete(t.pat, "note", await shared_entry(t, "note"))
    else:
        entry = await make(t.zed, "note", title="Portobello", share_lead=True)
    with pytest.raises(NotFound):
        await post(t.lee, "note", entry, "Hello")
    assert await count() == 0


async def test_other_people_and_unknown_things_are_not_found(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    with pytest.raises(NotFound):
        await post(t.sam, "journal", entry, "Nosy")  # a teammate
    with pytest.raises(NotFound):
        await post(t.lee, "note", entry, "Wrong kind")  # the right id under another kind
    for kind in ("time", "project", "feedback", "bogus"):
        with pytest.raises(NotFound):
            await post(t.lee, kind, entry, "Hello")
    with pytest.raises(NotFound):
        with tenancy.bound("edinburgh"):
            await feedback.comment(t.lee.user, "journal", uuid.uuid4(), "Nothing there")
    assert await count() == 0


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (feedback.BODY_MAX + 1), "bad\x00"])
async def test_bad_text_is_refused_with_a_message_and_changes_nothing(
    users: UserFactory, body: str
) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    with pytest.raises(Invalid) as refused:
        await post(t.lee, "journal", entry, body)
    assert refused.value.fields.get("body")
    assert await count() == 0
    with tenancy.bound("edinburgh"):
        assert not await AuditEvent.filter(action__startswith="feedback.").exists()


async def test_the_owner_replies_only_to_a_shared_entry_or_an_existing_thread(
    users: UserFactory,
) -> None:
    t = await team(users)
    private = await make(t.pat, "note", title="Private", share_lead=False)
    with pytest.raises(Invalid) as refused:
        await post(t.pat, "note", private, "Talking to myself")
    assert "Share this entry" in refused.value.message
    entry = await shared_entry(t)
    await post(t.lee, "journal", entry, "Lovely.")
    entry = await edit(t.pat, "journal", entry, share_lead=False)
    await post(t.pat, "journal", entry, "I took it back, but thank you.")  # its thread is hers
    assert len(await reads(t.pat, entry)) == 2


async def test_withdrawing_sharing_withdraws_the_thread_from_the_lead(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    await post(t.lee, "journal", entry, "Lovely.")
    await post(t.pat, "journal", entry, "Thanks!")
    entry = await edit(t.pat, "journal", entry, share_lead=False)
    assert await reads(t.lee, entry) == []  # at once, the lead's own comment too
    assert await reads(t.pat, entry) == ["Lovely.", "Thanks!"]
    with pytest.raises(NotFound):
        await post(t.lee, "journal", entry, "Still there?")
    entry = await edit(t.pat, "journal", entry, share_lead=True)
    assert await reads(t.lee, entry) == ["Lovely.", "Thanks!"]  # shared again: back


async def test_a_change_of_sharing_or_deletion_restamps_the_thread(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    item = await post(t.lee, "journal", entry, "Lovely.")
    entry = await edit(t.pat, "journal", entry, title="Retitled")  # no sharing change
    with tenancy.bound("edinburgh"):
        assert (await Feedback.get(id=item.id)).change_no == item.change_no
    entry = await edit(t.pat, "journal", entry, share_lead=False)
    with tenancy.bound("edinburgh"):
        withdrawn = (await Feedback.get(id=item.id)).change_no
    assert withdrawn > entry.change_no > item.change_no
    await delete(t.pat, "journal", entry)
    with tenancy.bound("edinburgh"):
        assert (await Feedback.get(id=item.id)).change_no > withdrawn
    assert await reads(t.pat, entry) == []  # a deleted entry's thread is not shown


async def test_each_comment_is_audited_without_its_text(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    first = await post(t.lee, "journal", entry, "Secret words here")
    reply = await post(t.pat, "journal", entry, "More secret words")
    with tenancy.bound("edinburgh"):
        rows = await AuditEvent.filter(action__startswith="feedback.").order_by("id")
    got = [(r.action, r.actor_id, r.target_kind, r.target_id, r.detail) for r in rows]
    target = ("journal", str(entry.id))
    assert got == [
        ("feedback.comment", t.lee.user.id, *target, {"feedback_id": str(first.id)}),
        ("feedback.reply", t.pat.user.id, *target, {"feedback_id": str(reply.id)}),
    ]
    assert all("secret" not in repr(r.detail).lower() for r in rows)


async def test_a_registered_hook_is_called_once_with_each_new_comment(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    seen: list[Feedback] = []

    async def hook(item: Feedback) -> None:
        seen.append(item)

    async def broken(item: Feedback) -> None:
        raise RuntimeError("push service down")

    feedback.on_new_comment(hook)
    feedback.on_new_comment(broken)
    try:
        item = await post(t.lee, "journal", entry, "Lovely.")
        with pytest.raises(Invalid):
            await post(t.lee, "journal", entry, "")  # refused: no hook call
    finally:
        feedback.remove_hook(hook)
        feedback.remove_hook(broken)
    assert [s.id for s in seen] == [item.id]
    assert seen[0].body == "Lovely." and seen[0].parent_id == entry.id
    assert await count() == 1  # a failing hook never undoes the comment


async def test_purging_an_entry_removes_its_thread(users: UserFactory) -> None:
    t = await team(users)
    entry = await shared_entry(t)
    kept = await shared_entry(t)
    await post(t.lee, "journal", entry, "Lovely.")
    await post(t.pat, "journal", entry, "Thanks!")
    await post(t.lee, "journal", kept, "Stays.")
    await delete(t.pat, "journal", entry)
    with tenancy.bound("edinburgh"):
        await JournalEntry.filter(id=entry.id).update(deleted_at=datetime(2020, 1, 1, tzinfo=UTC))
        ids = [entry.id]
        thread = Feedback.filter(parent_id__in=ids)
        highest = max(await thread.values_list("change_no", flat=True))
        purged = await tombstones.purge(90)
        assert purged.counts["journal"] == 1 and purged.counts["feedback"] == 2
        assert await Feedback.all().values_list("body", flat=True) == ["Stays."]
        assert purged.purged_through >= highest  # the thread's tombstones count in the mark

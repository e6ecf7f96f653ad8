"""The one change path: versions, conflicts, soft delete and undo, sharing history, ownership."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from kexpwa import settings as settings_module
from kexpwa import tenancy
from kexpwa.domain import changes
from kexpwa.domain.errors import Invalid, NotFound, Stale, UnknownField
from kexpwa.domain.kinds import Context
from kexpwa.models.records import Note, ProjectStageChange, RecordVersion, SharingChange
from tests.support import UserFactory

SETTINGS = settings_module.load({})


def ctx_for(user: object) -> Context:
    return Context.of(user, SETTINGS)  # type: ignore[arg-type]


def note(**extra: object) -> dict[str, object]:
    return {"title": "Visit", "body": "Met the family.", "date": date.today().isoformat(), **extra}


async def test_create_edit_keeps_previous_version(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    rid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        created = await changes.upsert(ctx, "note", rid, note(), None)
        assert created.created and created.version == 1
        edited = await changes.upsert(ctx, "note", rid, {"body": "Met the family again."}, 1)
        assert edited.version == 2
        stored = await Note.get(id=rid)
        assert stored.title == "Visit" and stored.body == "Met the family again."
        old = await RecordVersion.get(kind="note", record_id=rid, version=1)
        assert old.data["body"] == "Met the family."
        assert stored.change_no > created.record.change_no


async def test_stale_base_version_is_a_conflict(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    rid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "note", rid, note(), None)
        await changes.upsert(ctx, "note", rid, {"body": "from phone"}, 1)
        with pytest.raises(Stale) as info:
            await changes.upsert(ctx, "note", rid, {"body": "from laptop"}, 1)
        assert info.value.current_version == 2
        assert (await Note.get(id=rid)).body == "from phone"


async def test_other_owner_is_not_found(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    rid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx_for(pat.user), "note", rid, note(), None)
        with pytest.raises(NotFound):
            await changes.upsert(ctx_for(sam.user), "note", rid, note(title="mine now"), 1)
        with pytest.raises(NotFound):
            await changes.delete(ctx_for(sam.user), "note", rid, 1)
        assert (await Note.get(id=rid)).title == "Visit"


async def test_soft_delete_and_restore(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    rid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "note", rid, note(), None)
        deleted = await changes.delete(ctx, "note", rid, 1)
        assert deleted.record.deleted_at is not None and deleted.version == 2
        again = await changes.delete(ctx, "note", rid, 1)  # idempotent
        assert again.version == 2
        restored = await changes.restore(ctx, "note", rid)
        assert restored.record.deleted_at is None and restored.version == 3


async def test_validation_reports_every_field(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    future = (date.today() + timedelta(days=3)).isoformat()
    with tenancy.bound("edinburgh"):
        with pytest.raises(Invalid) as info:
            await changes.upsert(
                ctx, "note", uuid.uuid4(), {"title": "", "body": "x" * 20_001, "date": future}, None
            )
        assert set(info.value.fields) == {"title", "body", "date"}
        with pytest.raises(UnknownField):
            await changes.upsert(ctx, "note", uuid.uuid4(), note(colour="red"), None)
        assert await Note.all().count() == 0


async def test_sharing_changes_are_recorded(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    rid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "note", rid, note(share_research=True), None)
        await changes.upsert(ctx, "note", rid, {"share_research": False}, 1)
        history = (
            await SharingChange.filter(record_id=rid)
            .order_by("id")
            .values_list("audience", "shared")
        )
    assert history == [("research", True), ("research", False)]


async def test_time_and_project_and_journal(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    ctx = ctx_for(pat.user)
    pid = uuid.uuid4()
    today = date.today().isoformat()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "project", pid, {"title": "Kinship care"}, None)
        await changes.upsert(ctx, "project", pid, {"stage": "do", "substep": "fieldwork"}, 1)
        history = await ProjectStageChange.filter(project_id=pid).values_list("stage", flat=True)
        assert history == ["plan", "do"]
        entry = await changes.upsert(
            ctx,
            "time",
            uuid.uuid4(),
            {
                "date": today,
                "duration": "1h 30",
                "activity": SETTINGS.activities[0],
                "own_time": True,
                "project_id": str(pid),
            },
            None,
        )
        assert entry.record.minutes == 90 and entry.record.own_time
        with pytest.raises(Invalid) as info:
            await changes.upsert(
                ctx_for(sam.user),
                "time",
                uuid.uuid4(),
                {
                    "date": today,
                    "duration": "30",
                    "activity": SETTINGS.activities[0],
                    "project_id": str(pid),
                },
                None,
            )
        assert "project_id" in info.value.fields
        journal = await changes.upsert(
            ctx,
            "journal",
            uuid.uuid4(),
            {
                "template": "gibbs",
                "title": "Home visit",
                "date": today,
                "sections": {"description": "It rained.", "feelings": "Anxious."},
            },
            None,
        )
        assert journal.record.sections["feelings"] == "Anxious."
        with pytest.raises(Invalid) as info:
            await changes.upsert(
                ctx,
                "journal",
                uuid.uuid4(),
                {"template": "nope", "title": "x", "date": today},
                None,
            )
        assert "template" in info.value.fields


async def test_project_stage_and_substep_must_be_text(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    with tenancy.bound("edinburgh"):
        with pytest.raises(Invalid) as info:
            await changes.upsert(
                ctx_for(pat.user), "project", uuid.uuid4(),
                {"title": "P", "stage": ["do"], "substep": {"x": 1}}, None,
            )  # fmt: skip
    assert set(info.value.fields) == {"stage", "substep"}


async def test_concurrent_note_on_a_project_and_edit_of_it_do_not_deadlock(
    users: UserFactory, backend: str
) -> None:
    """A note pointing at project P (which takes a key share lock on P) and an edit of P (which
    locks P) run at once: both commit. Before the counter was taken last, PostgreSQL aborted
    one of them as a deadlock."""
    import asyncio

    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    pid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "project", pid, {"title": "Kinship"}, None)
        for round_ in range(5):
            results = await asyncio.gather(
                changes.upsert(ctx, "note", uuid.uuid4(), note(project_id=str(pid)), None),
                changes.upsert(ctx, "project", pid, {"question": f"Q{round_}"}, round_ + 1),
            )
            assert all(r.version >= 1 for r in results)

"""The read side the capture pages use: recently deleted, follow-ups of a quick note, stage
history, counts, search terms that are safe on every backend; and the kinds registry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kexpwa import tenancy
from kexpwa.domain import changes, queries, registry
from kexpwa.domain.errors import Invalid
from kexpwa.models.records import Note
from tests.capture_helpers import SETTINGS, domain_data
from tests.support import UserFactory
from tests.test_changes import ctx_for


def test_every_kind_is_registered_whichever_module_was_imported_first() -> None:
    import kexpwa.domain.notes  # noqa: F401 (a view imports it for a constant)

    names = {k.name for k in registry.all_kinds()}
    assert names == {"note", "journal", "time", "project", "participation"}
    assert registry.get("project") is not None


def test_search_terms_drop_characters_no_database_accepts() -> None:
    filters = queries.Filters.parse({"q": "  kin\x00ship\ud800 ", "tag": "Pro\x07tection"})
    assert (filters.q, filters.tag) == ("kinship", "Protection")


async def test_search_with_a_nul_byte_is_not_an_error(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx_for(pat.user), "note", uuid.uuid4(), domain_data("note"), None)
        found = await queries.own_page(
            "note", pat.user.id, queries.Filters.parse({"q": "carers\x00"})
        )
    assert found.total == 1


async def test_recently_deleted_within_the_undo_period(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    ctx = ctx_for(pat.user)
    old, recent, live = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with tenancy.bound("edinburgh"):
        for rid in (old, recent, live):
            await changes.upsert(ctx, "note", rid, domain_data("note"), None)
        await changes.delete(ctx, "note", old, 1)
        await changes.delete(ctx, "note", recent, 1)
        await Note.filter(id=old).update(deleted_at=datetime.now(UTC) - timedelta(days=40))
        mine = await queries.recently_deleted("note", pat.user.id, SETTINGS.undo_days)
        theirs = await queries.recently_deleted("note", sam.user.id, SETTINGS.undo_days)
    assert [n.id for n in mine] == [recent]
    assert theirs == []


async def test_followups_stage_history_and_counts(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    quick, full, project = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(
            ctx,
            "journal",
            quick,
            domain_data("journal", template="quick", title="", sections={"note": "In the car"}),
            None,
        )
        await changes.upsert(
            ctx, "journal", full, domain_data("journal", source_id=str(quick)), None
        )
        await changes.upsert(ctx, "project", project, domain_data("project"), None)
        await changes.upsert(ctx, "project", project, {"stage": "do", "substep": "fieldwork"}, 1)
        assert [e.id for e in await queries.followups(pat.user.id, quick)] == [full]
        history = await queries.stage_history(project)
        counts = await queries.counts(pat.user.id)
    assert [(h.stage, h.substep) for h in history] == [("plan", "question"), ("do", "fieldwork")]
    assert counts == {"note": 0, "journal": 2, "time": 0, "project": 1}


async def test_emptying_the_duration_of_a_time_entry_is_an_error(users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    ctx = ctx_for(pat.user)
    rid = uuid.uuid4()
    with tenancy.bound("edinburgh"):
        await changes.upsert(ctx, "time", rid, domain_data("time"), None)
        with pytest.raises(Invalid) as info:
            await changes.upsert(ctx, "time", rid, {"duration": ""}, 1)
        assert "duration" in info.value.fields
        # The sync shape (minutes, no duration) still works.
        changed = await changes.upsert(ctx, "time", rid, {"minutes": 45}, 1)
    assert changed.record.minutes == 45

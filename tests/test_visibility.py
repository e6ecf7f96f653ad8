"""The one visibility rule (kexpwa.domain.visibility), without HTTP: what a practitioner and a
team lead may read of each kind, and when the reader's scope changes."""

from __future__ import annotations

import uuid

from kexpwa import tenancy
from kexpwa.domain import changes, queries, registry, visibility
from kexpwa.domain.kinds import Context
from kexpwa.models.account import Role, Team, User
from kexpwa.settings import DEFAULT_ACTIVITIES, Settings
from tests.capture_helpers import domain_data
from tests.support import UserFactory
from tests.sync_support import TODAY, note_data


async def _visible(reader: visibility.Reader, kind_name: str) -> dict[str, visibility.View]:
    kind = registry.get(kind_name)
    assert kind is not None
    rows = await kind.model.filter(visibility.candidates(reader, kind))
    views = {
        r.title if kind_name != "time" else r.activity: visibility.view(reader, kind, r)
        for r in rows
    }
    return {k: v for k, v in views.items() if v is not None}


async def test_what_a_lead_and_a_practitioner_read(users: UserFactory, settings: Settings) -> None:
    pat = await users("edinburgh", "pat", team="Team A")
    sam = await users("edinburgh", "sam", team="Team B")
    lee = await users("edinburgh", "lee", role=Role.TEAM_LEAD, team="Team A")
    pats = Context.of(pat.user, settings)
    with tenancy.bound("edinburgh"):
        shared, unshared = uuid.uuid4(), uuid.uuid4()
        await changes.upsert(pats, "note", shared, note_data(title="shared", share_lead=True), None)
        await changes.upsert(
            pats, "note", unshared, note_data(title="was shared", share_lead=True), None
        )
        await changes.upsert(pats, "note", unshared, {"share_lead": False}, 1)
        await changes.upsert(pats, "note", uuid.uuid4(), note_data(title="never"), None)
        await changes.upsert(pats, "project", uuid.uuid4(), {"title": "P"}, None)
        time = {"date": TODAY, "minutes": 30, "activity": DEFAULT_ACTIVITIES[1], "note": "secret"}
        await changes.upsert(pats, "time", uuid.uuid4(), time, None)
        sams = Context.of(sam.user, settings)
        await changes.upsert(
            sams, "note", uuid.uuid4(), note_data(title="other team", share_lead=True), None
        )
        lead = await visibility.reader_for(lee.user.id, Role.TEAM_LEAD)
        assert set(lead.members) == {pat.user.id}
        notes = await _visible(lead, "note")
        assert set(notes) == {"shared", "was shared"}
        assert notes["shared"].read_only and notes["shared"].owner_name == "pat"
        assert notes["shared"].data is not None and "share_research" not in notes["shared"].data
        assert notes["was shared"].deleted  # a tombstone: it stopped being shared
        assert await _visible(lead, "project") == {}
        (entry,) = (await _visible(lead, "time")).values()
        assert entry.data is not None and entry.data["note"] == "" and entry.data["minutes"] == 30
        own = await visibility.reader_for(pat.user.id, Role.PRACTITIONER)
        assert set(await _visible(own, "note")) == {"shared", "was shared", "never"}
        assert not any(v.read_only for v in (await _visible(own, "note")).values())
        # The scope changes when the team does, and only then.
        before = lead.scope
        assert (await visibility.reader_for(lee.user.id, Role.TEAM_LEAD)).scope == before
        team_b = await Team.get(name="Team B")
        await User.filter(id=pat.user.id).update(team_id=team_b.id)
        moved = await visibility.reader_for(lee.user.id, Role.TEAM_LEAD)
        assert moved.scope != before and moved.members == {}


async def _readable(reader: visibility.Reader, kind_name: str) -> set[str]:
    kind = registry.kind_of(kind_name)
    rows = await kind.model.filter(visibility.readable(reader, kind))
    return {r.title if kind_name != "time" else r.note for r in rows}  # type: ignore[attr-defined]


async def test_readable_is_what_is_shared_now(users: UserFactory, settings: Settings) -> None:
    pat = await users("edinburgh", "pat", team="Team A")
    sam = await users("edinburgh", "sam", team="Team B")
    lee = await users("edinburgh", "lee", role=Role.TEAM_LEAD, team="Team A")
    pats, sams = Context.of(pat.user, settings), Context.of(sam.user, settings)
    with tenancy.bound("edinburgh"):
        ids = {name: uuid.uuid4() for name in ("withdrawn", "deleted", "gone")}
        both = note_data(title="both", share_lead=True, share_research=True)
        await changes.upsert(pats, "note", uuid.uuid4(), both, None)
        await changes.upsert(pats, "note", uuid.uuid4(), note_data(title="never"), None)
        lead_only = note_data(title="withdrawn", share_lead=True, share_research=True)
        await changes.upsert(pats, "note", ids["withdrawn"], lead_only, None)
        await changes.upsert(pats, "note", ids["withdrawn"], {"share_lead": False}, 1)
        await changes.upsert(pats, "note", ids["withdrawn"], {"share_research": False}, 2)
        deleted = note_data(title="deleted", share_lead=True, share_research=True)
        await changes.upsert(pats, "note", ids["deleted"], deleted, None)
        await changes.delete(pats, "note", ids["deleted"], 1)
        research_only = note_data(title="sam's consented", share_research=True)
        await changes.upsert(sams, "note", uuid.uuid4(), research_only, None)
        consented = domain_data("journal", title="consented entry", share_research=True)
        await changes.upsert(pats, "journal", uuid.uuid4(), consented, None)
        private = domain_data("journal", title="private entry", share_lead=True)
        await changes.upsert(pats, "journal", uuid.uuid4(), private, None)
        await changes.upsert(pats, "project", uuid.uuid4(), {"title": "P"}, None)
        time = {"date": TODAY, "minutes": 30, "activity": DEFAULT_ACTIVITIES[1]}
        await changes.upsert(pats, "time", uuid.uuid4(), {**time, "note": "pat's time"}, None)
        await changes.upsert(sams, "time", uuid.uuid4(), {**time, "note": "sam's time"}, None)
        await changes.upsert(pats, "time", ids["gone"], {**time, "note": "deleted time"}, None)
        await changes.delete(pats, "time", ids["gone"], 1)

        lead = await visibility.reader_for(lee.user.id, Role.TEAM_LEAD)
        assert await _readable(lead, "note") == {"both"}
        assert await _readable(lead, "journal") == {"private entry"}  # shared with the lead only
        assert await _readable(lead, "time") == {"pat's time"}  # always counted, live only
        assert await _readable(lead, "project") == set()
        # "Ever shared" still mentions the withdrawn and the deleted ones (as tombstones).
        candidates = await registry.kind_of("note").model.filter(
            visibility.candidates(lead, registry.kind_of("note"))
        )
        assert {n.title for n in candidates} == {"both", "withdrawn", "deleted"}  # type: ignore[attr-defined]

        own = await visibility.reader_for(pat.user.id, Role.PRACTITIONER)
        assert await _readable(own, "note") == {"both", "never", "withdrawn"}
        assert await _readable(own, "project") == {"P"}

        research = visibility.research_reader(uuid.uuid4())
        assert await _readable(research, "note") == {"both", "sam's consented"}
        assert await _readable(research, "journal") == {"consented entry"}
        assert await _readable(research, "time") == set()
        assert await _readable(research, "project") == set()

        # queries.page pages through a reader's rows as it does through the owner's own.
        found = await queries.page(
            "note",
            registry.kind_of("note").model.filter(
                visibility.readable(research, registry.kind_of("note"))
            ),
            queries.Filters(q="consented"),
        )
        assert [n.title for n in found.items] == ["sam's consented"] and found.total == 1

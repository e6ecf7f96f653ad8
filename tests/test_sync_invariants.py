"""The sync invariants of sync/PROTOCOL.md, one test each, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

import sync
from kexpwa import tenancy
from kexpwa.domain import changes, tombstones, visibility
from kexpwa.domain.kinds import Context
from kexpwa.models.records import Note
from kexpwa.models.sync import AppliedMutation, ChangeCounter
from kexpwa.settings import Settings
from kexpwa.syncing.feed import TortoiseFeed
from kexpwa.syncing.store import TortoiseStore
from sync.envelope import Limits
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device, database_state, envelope, mutation, note_data, statuses


async def test_1_exactly_once_whatever_is_replayed(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    a, b = uuid.uuid4(), uuid.uuid4()
    batch = [
        device.make(record_id=a),
        device.make(record_id=b, data=note_data(title="")),  # rejected
        device.make(record_id=a, data={"body": "2"}, base_version=1),
        device.make(record_id=a, data={"body": "stale"}, base_version=1),  # conflict
        device.make("note.share", record_id=a, data={"share_lead": True}),
        device.make(record_id=b),
        device.make("note.delete", record_id=b, base_version=1),
        device.make("note.restore", record_id=b),
    ]
    first = await device.push(*batch)
    assert statuses(first) == ["applied", "rejected", "applied", "conflict"] + ["applied"] * 4
    before = await database_state()
    rng = random.Random(20261126)
    for _ in range(12):
        # Any subset, in any order: each push must list its mutations by seq, so the order
        # across pushes is what varies.
        subset = rng.sample(batch, rng.randint(1, len(batch)))
        while subset:
            chunk, subset = subset[: rng.randint(1, 3)], subset[3:]
            replay = await device.push(*sorted(chunk, key=lambda m: m["seq"]))
            for sent, result in zip(
                sorted(chunk, key=lambda m: m["seq"]), replay["results"], strict=True
            ):
                original = first["results"][sent["seq"] - 1]
                expected = {
                    **original,
                    "status": "duplicate",
                    "original_status": original["status"],
                }
                assert result == expected
    assert await database_state() == before
    # The guarantee is the database's, not only the code's.
    with tenancy.bound("edinburgh"):
        logged = await AppliedMutation.get(mutation_id=batch[0]["mutation_id"])
        with pytest.raises(IntegrityError):
            await AppliedMutation.create(
                mutation_id=logged.mutation_id,
                client_id=logged.client_id,
                seq=999,
                user_id=logged.user_id,
                kind="note.upsert",
                record_id=a,
                status="applied",
                result={},
            )


class PowerCut(Exception):
    pass


class CutBeforeLogging(TortoiseStore):
    """Fault injection: the process dies after applying a change, before logging it."""

    @classmethod
    def unit_with_fault(cls, unit: object) -> None:
        async def record(*args: object) -> None:
            raise PowerCut()

        unit.record = record  # type: ignore[attr-defined]

    def unit(self, client_id: uuid.UUID):  # type: ignore[no-untyped-def]
        inner = super().unit(client_id)

        class Wrapped:
            async def __aenter__(self_inner) -> object:
                unit = await inner.__aenter__()
                CutBeforeLogging.unit_with_fault(unit)
                return unit

            async def __aexit__(self_inner, *exc: object) -> object:
                return await inner.__aexit__(*exc)

        return Wrapped()


async def test_1_a_change_and_its_log_row_commit_together(
    users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    ctx = Context.of(pat.user, settings)
    body = envelope(uuid.uuid4(), [mutation(1)])
    import json

    raw = json.dumps(body).encode()
    with tenancy.bound("edinburgh"):
        with pytest.raises(PowerCut):
            await sync.push(CutBeforeLogging(ctx), raw, Limits(10, 10_000))
        assert await Note.all().count() == 0  # the applied change was rolled back with it
        payload = await sync.push(TortoiseStore(ctx), raw, Limits(10, 10_000))
        assert statuses(payload) == ["applied"]
        again = await sync.push(TortoiseStore(ctx), raw, Limits(10, 10_000))
        assert statuses(again) == ["duplicate"]
        assert await Note.all().count() == 1


async def test_2_one_device_applies_in_seq_order(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    rid = uuid.uuid4()
    create, edit, delete = (
        mutation(1, record_id=rid),
        mutation(2, record_id=rid, data={"body": "edited"}, base_version=1),
        mutation(3, "note.delete", record_id=rid, base_version=2),
    )
    for early in ([edit], [delete], [edit, delete], [delete]):
        payload = await device.push(*early)
        assert {r["status"] for r in payload["results"]} == {"out_of_order"}
        assert payload["last_seq"] == 0
    with tenancy.bound("edinburgh"):
        assert not await Note.exists(id=rid)
    assert statuses(await device.push(create, edit)) == ["applied", "applied"]
    assert statuses(await device.push(delete)) == ["applied"]
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
    assert (note.body, note.version, note.deleted_at is not None) == ("edited", 3, True)


async def test_3_no_silent_overwrite(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(client, pat)
    laptop = await Device.signed_in(other_client, pat)
    rid = uuid.uuid4()
    await phone.push(phone.make(record_id=rid, data=note_data(body="v1")))
    await phone.push(phone.make(record_id=rid, data={"body": "phone"}, base_version=1))
    stale_edit = laptop.make(record_id=rid, data={"body": "typed on the laptop"}, base_version=1)
    stale_delete = laptop.make("note.delete", record_id=rid, base_version=1)
    assert statuses(await laptop.push(stale_edit, stale_delete)) == ["conflict", "conflict"]
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
    assert (note.body, note.version, note.deleted_at) == ("phone", 2, None)
    kept = (await other_client.get("/sync/conflicts")).json()["conflicts"]
    assert {c["mutation_id"]: c["data"] for c in kept} == {
        stale_edit["mutation_id"]: {"body": "typed on the laptop"},
        stale_delete["mutation_id"]: None,
    }
    # Only the owner can retrieve them.
    await other_client.post("/logout", headers={"X-CSRF-Token": laptop.token})
    await Device.signed_in(other_client, await users("edinburgh", "sam"))
    assert (await other_client.get("/sync/conflicts?include=resolved")).json()["conflicts"] == []


# Two write transactions in flight at once need PostgreSQL (SQLite runs one at a time).
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_4_pull_never_skips_a_change_committed_out_of_start_order(
    backend: str, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    ctx = Context.of(pat.user, settings)
    first_id, second_id = uuid.uuid4(), uuid.uuid4()
    names = ("a_began", "b_numbered", "b_go", "a_numbered", "a_go")
    events = {name: asyncio.Event() for name in names}

    async def transaction_a() -> None:  # begins first, commits last
        async with in_transaction(tenancy.alias("edinburgh")) as conn:
            await Note.filter(owner_id=pat.user.id).using_db(conn).count()
            events["a_began"].set()
            await events["b_numbered"].wait()
            # Waits here on the counter's row lock until B commits.
            await changes.upsert(ctx, "note", first_id, note_data(title="A"), None)
            events["a_numbered"].set()
            await events["a_go"].wait()

    async def transaction_b() -> None:  # begins second, commits first
        await events["a_began"].wait()
        async with in_transaction(tenancy.alias("edinburgh")):
            await changes.upsert(ctx, "note", second_id, note_data(title="B"), None)
            events["b_numbered"].set()
            await events["b_go"].wait()

    with tenancy.bound("edinburgh"):
        feed = TortoiseFeed(await visibility.reader_for(pat.user.id, pat.user.role))
        cursor = (await sync.pull(feed, None, None))["cursor"]
        a = asyncio.create_task(transaction_a())
        b = asyncio.create_task(transaction_b())
        seen: list[str] = []

        async def pull() -> None:
            nonlocal cursor
            page = await sync.pull(feed, cursor, None)
            seen.extend(c["data"]["title"] for c in page["changes"])
            cursor = page["cursor"]

        await events["b_numbered"].wait()
        await pull()  # B holds a number but has not committed: nothing yet
        assert seen == []
        events["b_go"].set()
        await b
        await events["a_numbered"].wait()  # A has its number (after B's), uncommitted
        await pull()
        assert seen == ["B"]
        events["a_go"].set()
        await a
        await pull()
        assert seen == ["B", "A"]  # A began first and committed last, and was not skipped
        numbers = await Note.filter(id__in=[first_id, second_id]).order_by("change_no")
        assert [n.title for n in numbers] == ["B", "A"]


async def test_4_paging_returns_every_change_exactly_once(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    ids = [uuid.uuid4() for _ in range(9)]
    await device.push(
        device.make("project.upsert", record_id=ids[0], data={"title": "P"}),
        *(device.make(record_id=i) for i in ids[1:5]),
        *(device.make("project.upsert", record_id=i, data={"title": "Q"}) for i in ids[5:]),
    )
    await device.push(
        device.make(record_id=ids[2], data={"body": "v2"}, base_version=1),
        device.make("project.delete", record_id=ids[6], base_version=1),
    )
    for limit in (1, 2, 3, 7, 1000):
        fresh = Device(client, device.token)
        changes_ = await fresh.pull_all(limit=limit)
        assert len(changes_) == len({c["record_id"] for c in changes_}) == 9
        assert {(c["record_id"], c["version"]) for c in changes_} >= {
            (str(ids[2]), 2),
            (str(ids[6]), 2),
        }


async def test_5_tombstones_are_kept_until_the_horizon_then_purged(
    client: Client, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    old, recent, live = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await device.push(*(device.make(record_id=i) for i in (old, recent, live)))
    await device.pull_all()
    away = Device(client, device.token, cursor=device.cursor)  # pulled, then went offline
    await device.push(
        device.make("note.delete", record_id=old, base_version=1),
        device.make("note.delete", record_id=recent, base_version=1),
    )
    assert {c["record_id"] for c in await device.pull_all()} == {str(old), str(recent)}
    horizon = settings.offline_horizon_days
    now = datetime.now(UTC)
    with tenancy.bound("edinburgh"):
        await Note.filter(id=old).update(deleted_at=now - timedelta(days=horizon, hours=1))
        await Note.filter(id=recent).update(deleted_at=now - timedelta(days=horizon - 1))
        assert (await tombstones.purge(horizon)).total == 1
        assert set(await Note.all().values_list("id", flat=True)) == {recent, live}
        counter = await ChangeCounter.get(id=1)
        assert counter.purged_through > 0
    page = await device.pull()  # it heard of the deletes: it just carries on
    assert (page["reset"], page["changes"]) == (False, [])
    # A device whose cursor predates the purge starts again instead of missing the delete.
    page = await away.pull()
    assert page["reset"] is True
    assert {(c["record_id"], c["deleted"]) for c in page["changes"]} == {
        (str(recent), True),
        (str(live), False),
    }


async def test_6_isolation_across_authorities_and_users(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    morgan = await users("east-lothian", "morgan")
    pats = await Device.signed_in(client, pat)
    morgans = await Device.signed_in(other_client, morgan)
    rid = uuid.uuid4()
    await pats.push(pats.make(record_id=rid, data=note_data(body="Edinburgh")))
    # In East Lothian that record does not exist: an edit is not found, a create is a new one.
    edit = morgans.make(record_id=rid, data={"body": "taken?"}, base_version=1)
    create = morgans.make(record_id=rid, data=note_data(body="East Lothian"))
    payload = await morgans.push(edit, create)
    assert [r.get("code", r["status"]) for r in payload["results"]] == ["not_found", "applied"]
    assert [c["data"]["body"] for c in await morgans.pull_all()] == ["East Lothian"]
    assert [c["data"]["body"] for c in await pats.pull_all()] == ["Edinburgh"]
    with tenancy.bound("edinburgh"):
        assert (await Note.get(id=rid)).body == "Edinburgh"
    # Within an authority, another user's record is not found and never changes.
    sam = await users("edinburgh", "sam")
    await other_client.post("/logout", headers={"X-CSRF-Token": morgans.token})
    sams = await Device.signed_in(other_client, sam)
    tries = [
        sams.make(record_id=rid, data={"body": "mine"}, base_version=1),
        sams.make("note.delete", record_id=rid, base_version=1),
        sams.make("note.share", record_id=rid, data={"share_lead": True}),
    ]
    assert {r["code"] for r in (await sams.push(*tries))["results"]} == {"not_found"}
    assert await sams.pull_all() == []
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
    assert (note.body, note.version, note.share_lead) == ("Edinburgh", 1, False)

"""The batch path of a push (``kexpwa.domain.batch.Batch`` through ``sync.push.apply_chunk``)
against one mutation per transaction (``sync.push.apply_once``, the path a failed chunk falls
back to), on SQLite and PostgreSQL:

- a hypothesis test: a push mixing creates, edits, deletes, restores, shares, conflicts,
  rejections, replays, reused ids, identifier flags and edits on top of edits gives the same
  results, rows, versions, flags, tallies and change numbers either way;
- a database error in the middle of a batch loses nothing and applies nothing twice;
- a push of the maximum size (200 mutations, close to 2 MiB) is applied whole;
- a pull by cursor misses nothing while 50 devices push batches at once;
- every push answer says the server's limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sync
from kexpwa import tenancy
from kexpwa.domain import visibility
from kexpwa.domain.kinds import Context
from kexpwa.models.flags import IdentifierFlag
from kexpwa.models.records import Note, RecordVersion, SharingChange
from kexpwa.models.sync import AppliedMutation, ChangeCounter, Conflict, SyncClient
from kexpwa.settings import Settings
from kexpwa.syncing.feed import TortoiseFeed
from kexpwa.syncing.store import TortoiseStore
from sync import versions
from sync.envelope import Limits
from sync.push import apply_once, out_of_order
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device, envelope, mutation, note_data, statuses

LIMITS = Limits(200, 2_097_152)
SLOTS = 4
TEXTS = ("a", "b", "Call 07700 900123 after school", "")
DATES = ("2026-11-20", "2026-11-09")

op = st.one_of(
    st.tuples(st.just("create"), st.integers(0, SLOTS - 1), st.sampled_from(TEXTS)),
    st.tuples(
        st.just("edit"),
        st.integers(0, SLOTS - 1),
        st.integers(0, 4),  # base_version: current or stale
        st.sampled_from(TEXTS),
        st.booleans(),  # share with the lead
        st.booleans(),  # save anyway
        st.sampled_from(DATES),
    ),
    st.tuples(
        st.just("chain"), st.integers(0, SLOTS - 1), st.integers(0, 20), st.text("ab", max_size=2)
    ),
    st.tuples(st.just("delete"), st.integers(0, SLOTS - 1), st.integers(0, 4)),
    st.tuples(st.just("restore"), st.integers(0, SLOTS - 1)),
    st.tuples(st.just("share"), st.integers(0, SLOTS - 1), st.booleans()),
    st.tuples(st.just("invalid"), st.integers(0, SLOTS - 1), st.integers(0, 2)),
    st.tuples(st.just("replay"), st.integers(0, 1), st.booleans()),
    st.tuples(
        st.just("gap"),
    ),
)


class Names:
    """Fresh ids for one run of a scenario, and the way back to the scenario's names."""

    def __init__(self) -> None:
        self.records = [uuid.uuid4() for _ in range(SLOTS)]
        self.mutations = [uuid.uuid4() for _ in range(64)]
        self.back = {str(v): f"r{n}" for n, v in enumerate(self.records)}
        self.back.update({str(v): f"m{n}" for n, v in enumerate(self.mutations)})

    def name(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.name(v) for k, v in value.items() if k != "conflict_id"}
        if isinstance(value, list):
            return [self.name(v) for v in value]
        if isinstance(value, uuid.UUID | str):
            return self.back.get(str(value), value)
        return value


def _setup(names: Names) -> list[dict[str, Any]]:
    """Two notes the device has already pushed (slots 0 and 1)."""
    return [
        mutation(n + 1, record_id=names.records[n], mutation_id=names.mutations[n],
                 data=note_data(title=f"Note {n}", body="a"))
        for n in range(2)
    ]  # fmt: skip


def _batch(names: Names, ops: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    replayed: set[int] = set()
    seq = 3
    for n, step in enumerate(ops):
        mid = names.mutations[n + 2]
        if step[0] == "gap":
            seq += 1
            continue
        if step[0] == "replay":  # a resend of the first push, or its id on another record
            which, same = step[1], step[2]
            if which in replayed:  # a push names a mutation once
                continue
            replayed.add(which)
            first = _setup(names)[which]
            out.append({**first, "seq": seq} if same else {**first, "seq": seq,
                       "record_id": str(names.records[3])})  # fmt: skip
            seq += 1
            continue
        rid = names.records[step[1]]
        if step[0] == "create":
            item = mutation(seq, record_id=rid, mutation_id=mid, data=note_data(body=step[2]))
        elif step[0] == "edit":
            _, _, base, text, share, anyway, day = step
            data: dict[str, Any] = {"body": text, "share_lead": share, "date": day}
            if anyway:
                data["save_anyway"] = "not_identifier"
            item = mutation(seq, record_id=rid, mutation_id=mid, data=data, base_version=base)
        elif step[0] == "chain":  # on top of an earlier mutation of this push (or none)
            earlier = [m for m in out if m["mutation_id"] in map(str, names.mutations)]
            base_mid = earlier[step[2] % len(earlier)]["mutation_id"] if earlier else str(mid)
            item = mutation(seq, record_id=rid, mutation_id=mid, data={"body": step[3] or "c"},
                            base_version=2, base_mutation_id=base_mid)  # fmt: skip
        elif step[0] == "delete":
            item = mutation(
                seq, "note.delete", record_id=rid, mutation_id=mid, base_version=step[2]
            )
        elif step[0] == "restore":
            item = mutation(seq, "note.restore", record_id=rid, mutation_id=mid)
        elif step[0] == "share":
            item = mutation(seq, "note.share", record_id=rid, mutation_id=mid,
                            data={"share_lead": step[2]})  # fmt: skip
        else:
            bad = ({"title": ""}, {"colour": "red"}, {"date": 7})[step[2]]
            item = mutation(seq, record_id=rid, mutation_id=mid, data=bad, base_version=1)
        out.append(item)
        seq += 1
    return out


async def _one_at_a_time(store: TortoiseStore, body: bytes) -> list[dict[str, Any]]:
    """The push as the engine did it before batches: one mutation per transaction."""
    parsed = versions.parse(body, LIMITS)
    await store.register(parsed.client_id)
    results: list[dict[str, Any]] = []
    blocked: int | None = None
    for item in parsed.mutations:
        if blocked is not None:
            results.append(out_of_order(item, "not_attempted", blocked))
            continue
        results.append(await apply_once(store, parsed.client_id, item))
        if results[-1]["status"] == "out_of_order":
            blocked = results[-1]["expected_seq"]
    return results


async def _state(names: Names, owner: uuid.UUID, start: int) -> dict[str, Any]:
    """Everything the pushes wrote for ``owner``, by scenario names, change numbers counted
    from ``start``."""
    ids = names.records
    notes = sorted(
        (names.name(n.id), n.version, n.title, n.body, n.date.isoformat(), n.share_lead,
         n.deleted_at is not None, n.change_no - start, n.tags, n.tag_text, n.time)
        for n in await Note.filter(id__in=ids)
    )  # fmt: skip
    kept = sorted(
        (names.name(v.record_id), v.version, json.dumps(names.name(v.data), sort_keys=True))
        for v in await RecordVersion.filter(record_id__in=ids)
    )
    sharing = sorted(
        (names.name(s.record_id), s.audience, s.shared)
        for s in await SharingChange.filter(record_id__in=ids).order_by("id")
    )
    found = sorted(
        (names.name(f.record_id), f.field, f.detector, f.start, f.end, f.resolved or "")
        for f in await IdentifierFlag.filter(record_id__in=ids)
    )
    conflicts = sorted(
        (names.name(c.mutation_id), names.name(c.record_id), c.base_version or 0,
         c.server_version, c.resolved_at is not None, json.dumps(c.payload["data"]))
        for c in await Conflict.filter(record_id__in=ids)
    )  # fmt: skip
    logged = sorted(
        (a.seq, names.name(a.mutation_id), a.status, json.dumps(names.name(a.result)))
        for a in await AppliedMutation.filter(user_id=owner)
    )
    conn = tenancy.connection()
    tallies = sorted(
        (str(r["week"]), r["bucket"], r["entries"], r["minutes"])
        for r in await conn.execute_query_dict(
            "SELECT week, bucket, entries, minutes FROM week_tally WHERE owner_id = "
            + ("$1" if conn.capabilities.dialect == "postgres" else "?"),
            [owner if conn.capabilities.dialect == "postgres" else str(owner)],
        )
    )
    return {"notes": notes, "versions": kept, "sharing": sharing, "flags": found,
            "conflicts": conflicts, "log": logged, "tallies": tallies}  # fmt: skip


async def _counter() -> int:
    return int((await ChangeCounter.get(id=1)).value)


counter = itertools.count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op, min_size=1, max_size=14))
@example(  # every outcome at least once, edits on top of edits, two changes of one record
    ops=[("create", 2, "a"), ("edit", 0, 1, "b", True, False, DATES[1]), ("create", 3, TEXTS[2]),
         ("edit", 1, 3, "b", False, False, DATES[0]), ("chain", 2, 0, "c"), ("delete", 1, 1),
         ("edit", 3, 1, "a", True, True, DATES[0]), ("invalid", 0, 0), ("replay", 0, True),
         ("replay", 1, False), ("edit", 0, 2, "c", False, False, DATES[0]), ("restore", 1),
         ("share", 0, True), ("create", 0, "a"), ("gap",), ("create", 2, "b")]
)  # fmt: skip
async def test_a_batch_equals_one_mutation_at_a_time(
    ops: list[tuple[Any, ...]], users: UserFactory, settings: Settings
) -> None:
    n = next(counter)
    states, answers = [], []
    for path in ("batch", "single"):
        who = await users("edinburgh", f"{path}{n}")
        names = Names()
        store = TortoiseStore(Context.of(who.user, settings))
        client_id = uuid.uuid4()
        with tenancy.bound("edinburgh"):
            start = await _counter()
            first = json.dumps(envelope(client_id, _setup(names))).encode()
            await _one_at_a_time(store, first)
            body = json.dumps(envelope(client_id, _batch(names, ops))).encode()
            if path == "batch":
                results = (await sync.push(store, body, LIMITS))["results"]
            else:
                results = await _one_at_a_time(store, body)
            answers.append(names.name(results))
            states.append(await _state(names, who.user.id, start))
            states[-1]["counter"] = await _counter() - start
    assert answers[0] == answers[1]
    assert states[0] == states[1]


async def _exec(sql: str) -> None:
    await tenancy.connection().execute_script(sql)


BOOM_SQLITE = """
CREATE TRIGGER boom BEFORE INSERT ON note WHEN NEW.title = 'boom'
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: note.id (injected)'); END;
"""
BOOM_POSTGRES = """
CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN
  IF NEW.title = 'boom' THEN RAISE unique_violation USING MESSAGE = 'injected'; END IF;
  RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER boom BEFORE INSERT ON note FOR EACH ROW EXECUTE FUNCTION boom();
"""


async def test_a_database_error_mid_batch_loses_nothing_and_applies_nothing_twice(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    batch = [device.make(data=note_data(title="boom" if n == 5 else f"n{n}")) for n in range(10)]
    with tenancy.bound("edinburgh"):
        postgres = tenancy.connection().capabilities.dialect == "postgres"
        await _exec(BOOM_POSTGRES if postgres else BOOM_SQLITE)
    # The batch's transaction fails on the sixth note (a unique violation, as a concurrent
    # writer's would); the chunk is rolled back and applied one by one, which keeps the five
    # before it and then finds the database still refusing: the device is told to retry.
    response = await device.post(envelope(device.client_id, batch))
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    with tenancy.bound("edinburgh"):
        assert await Note.filter(owner_id=pat.user.id).count() == 5
        assert await AppliedMutation.filter(user_id=pat.user.id).count() == 5
        assert (await SyncClient.get(id=device.client_id)).last_seq == 5
        await _exec(
            "DROP TRIGGER boom ON note; DROP FUNCTION boom();" if postgres else "DROP TRIGGER boom;"
        )
    payload = await device.push(*batch)  # the device resends its whole queue
    assert statuses(payload) == ["duplicate"] * 5 + ["applied"] * 5
    with tenancy.bound("edinburgh"):
        assert await Note.filter(owner_id=pat.user.id).count() == 10
        logged = await AppliedMutation.filter(user_id=pat.user.id).values_list(
            "mutation_id", flat=True
        )
        assert sorted(map(str, logged)) == sorted(m["mutation_id"] for m in batch)
        numbers = await Note.filter(owner_id=pat.user.id).values_list("change_no", flat=True)
        assert len(set(numbers)) == 10


async def test_a_push_of_the_maximum_size_is_applied_whole(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    batch = [device.make(data=note_data(title=f"n{n}", body="x" * 10_000)) for n in range(200)]
    raw = json.dumps(envelope(device.client_id, batch)).encode()
    assert 2_000_000 < len(raw) <= LIMITS.max_bytes
    with tenancy.bound("edinburgh"):
        start = await _counter()
    response = await device.post(raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:300]
    assert statuses(response.json()) == ["applied"] * 200
    assert response.json()["last_seq"] == 200
    with tenancy.bound("edinburgh"):
        assert await _counter() == start + 200
        numbers = await Note.filter(owner_id=pat.user.id).values_list("change_no", flat=True)
        assert sorted(numbers) == list(range(start + 1, start + 201))
    pulled = await device.pull_all()
    assert sorted(c["record_id"] for c in pulled) == sorted(m["record_id"] for m in batch)


TAGS = ("Reflective practice", "Wellbeing and support")


async def test_edits_in_one_push_write_every_column_and_move_updated_at(
    client: Client, users: UserFactory
) -> None:
    """A batch's edits are written together (one UPDATE run for all): each edited note holds
    its own new values, tags included, and its ``updated_at`` moves; the one not edited keeps
    its own."""
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    made = [device.make(data=note_data(title=f"n{n}", tags=["Protection"])) for n in range(3)]
    await device.push(*made)
    with tenancy.bound("edinburgh"):
        before = {n.id: n for n in await Note.filter(owner_id=pat.user.id)}
    edits = [
        device.make(record_id=m["record_id"], base_version=1,
                    data=note_data(title=f"edited {n}", tags=[TAGS[n], "Protection"], time="14:30"))
        for n, m in enumerate(made[:2])
    ]  # fmt: skip
    assert statuses(await device.push(*edits)) == ["applied", "applied"]
    with tenancy.bound("edinburgh"):
        after = {n.id: n for n in await Note.filter(owner_id=pat.user.id)}
    for n, m in enumerate(made):
        note, old = after[uuid.UUID(m["record_id"])], before[uuid.UUID(m["record_id"])]
        if n < 2:
            assert (note.title, sorted(note.tags), note.time, note.version) == (
                f"edited {n}",
                sorted([TAGS[n], "Protection"]),
                "14:30",
                2,
            )
            assert note.updated_at > old.updated_at and note.created_at == old.created_at
            assert note.change_no > old.change_no
        else:
            assert (note.title, note.tags, note.version) == ("n2", ["Protection"], 1)
            assert note.updated_at == old.updated_at and note.change_no == old.change_no


async def test_a_pull_misses_nothing_while_50_devices_push_batches_at_once(
    users: UserFactory, settings: Settings
) -> None:
    """Each chunk takes its range of change numbers last, under the counter's lock: a device
    pulling by cursor while 50 others push batches concurrently sees every note, once."""
    pat = await users("edinburgh", "pat")
    ctx = Context.of(pat.user, settings)
    created: list[str] = []

    async def writer() -> None:
        client_id = uuid.uuid4()
        for push in range(3):
            items = [mutation(push * 10 + n + 1, data=note_data(title=f"w{n}")) for n in range(10)]
            created.extend(m["record_id"] for m in items)
            body = json.dumps(envelope(client_id, items)).encode()
            with tenancy.bound("edinburgh"):
                payload = await sync.push(TortoiseStore(ctx), body, LIMITS)
            assert statuses(payload) == ["applied"] * 10

    with tenancy.bound("edinburgh"):
        feed = TortoiseFeed(await visibility.reader_for(pat.user.id, pat.user.role))
        cursor = (await sync.pull(feed, None, None))["cursor"]
        seen: list[str] = []

        async def pull() -> None:
            nonlocal cursor
            while True:
                page = await sync.pull(feed, cursor, "50")
                seen.extend(c["record_id"] for c in page["changes"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    return

        writers = asyncio.gather(*(writer() for _ in range(50)))
        while not writers.done():
            await pull()
            await asyncio.sleep(0)
        await writers
        await pull()
    assert len(created) == 1500
    assert sorted(seen) == sorted(created)  # every note, and each once: none skipped


async def test_every_push_answer_says_the_limits(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    for body in (envelope(device.client_id, [device.make()]), {"client_id": "not a uuid"}):
        response = await device.post(body)
        assert response.status_code in (200, 400)
        assert response.headers["X-Sync-Max-Mutations"] == "200"
        assert response.headers["X-Sync-Max-Bytes"] == "2097152"

"""Property test: two devices of one user write offline and sync through a network that drops
responses, delivers pushes late and replays old ones. Whatever happens:

- every answer the server gives is the one a simple model (tests/sync_model.py) predicts, so
  every conflict the model predicts is reported, and every duplicate repeats its first answer;
- once the devices drain their queues, every mutation has been answered and logged once, the
  server's records equal the model's, every losing payload is kept, and both devices converge.

A modest profile always runs (SQLite and PostgreSQL); with CI=true the PostgreSQL run is larger.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kexpwa import tenancy
from kexpwa.domain import visibility
from kexpwa.models.records import Note
from kexpwa.models.sync import AppliedMutation, ChangeCounter, Conflict
from sync.cursor import Cursor
from tests import support
from tests.conftest import Client
from tests.support import Made, UserFactory
from tests.sync_model import Model
from tests.sync_support import TODAY, Device, csrf_token

settings.register_profile(
    "sync-dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("sync-ci", settings.get_profile("sync-dev"), max_examples=100)
IN_CI = os.environ.get("CI") == "true"
SQLITE_PROFILE = settings.get_profile("sync-dev")
POSTGRES_PROFILE = settings.get_profile("sync-ci" if IN_CI else "sync-dev")
if os.environ.get("KEXPWA_SYNC_EXAMPLES"):  # a longer search by hand, on both backends
    SQLITE_PROFILE = POSTGRES_PROFILE = settings(
        SQLITE_PROFILE, max_examples=int(os.environ["KEXPWA_SYNC_EXAMPLES"])
    )
SLOTS = 3
TEXTS = ("a", "b", "c")


@st.composite
def steps(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["write"] * 4 + ["push"] * 3 + ["replay", "pull", "pull"]))
    device = draw(st.integers(0, 1))
    if kind == "write":
        action = draw(st.sampled_from(["edit", "edit", "delete", "restore"]))
        return (
            "write",
            device,
            draw(st.integers(0, SLOTS - 1)),
            action,
            draw(st.sampled_from(TEXTS)),
        )
    if kind == "push":
        delivery = draw(st.sampled_from(["in_order", "in_order", "gap", "late"]))
        return ("push", device, draw(st.integers(1, 6)), delivery, draw(st.booleans()))
    if kind == "replay":
        return ("replay", device, draw(st.integers(1, 4)))
    return ("pull", device)


# Both devices start knowing two records, so their offline edits can collide.
SETUP = [("write", 0, 0, "edit", "a"), ("write", 1, 0, "edit", "a"),
         ("push", 0, 6, "in_order", False), ("push", 1, 6, "in_order", False),
         ("pull", 0), ("pull", 1)]  # fmt: skip
scenarios = st.lists(steps(), min_size=4, max_size=30).map(lambda s: SETUP + s)


@dataclass
class Phone:
    """A device as the offline client behaves: a queue in seq order, what it knows of each
    record, and chains of offline edits named with base_mutation_id."""

    device: Device
    index: int
    queue: list[dict[str, Any]] = field(default_factory=list)
    answered: list[dict[str, Any]] = field(default_factory=list)
    lost: set[str] = field(default_factory=set)  # mutation ids sent whose answer never came
    known: dict[str, tuple[int, bool]] = field(default_factory=dict)  # rid -> (version, deleted)
    predicted: dict[str, tuple[int, bool, str]] = field(default_factory=dict)  # + mutation id

    def write(self, rids: list[str], slot: int, action: str, text: str) -> None:
        """Act on the slot-th record this device can act on: one it knows of, or one it
        creates (device 0 creates the even slots, device 1 the odd ones)."""
        usable = [
            rid
            for n, rid in enumerate(rids)
            if rid in self.predicted or rid in self.known or n % 2 == self.index
        ]
        rid = usable[slot % len(usable)]
        if rid in self.predicted:
            version, deleted, previous = self.predicted[rid]
            chained: str | None = previous
        elif rid in self.known:
            (version, deleted), chained = self.known[rid], None
        else:
            item = self.device.make(record_id=rid, data={"title": "t", "body": text, "date": TODAY})
            self._queue(item, rid, 1, False)
            return
        if deleted:
            action = "restore"  # the app offers only restore for a deleted entry
        elif action == "restore":
            action = "edit"
        kind = {"edit": "note.upsert", "delete": "note.delete", "restore": "note.restore"}[action]
        extra: dict[str, Any] = {"base_mutation_id": chained} if chained else {}
        data = {"body": text} if action == "edit" else None
        item = self.device.make(kind, record_id=rid, data=data, base_version=version, **extra)
        self._queue(item, rid, version + 1, action == "delete")

    def _queue(self, item: dict[str, Any], rid: str, version: int, deleted: bool) -> None:
        self.queue.append(item)
        self.predicted[rid] = (version, deleted, item["mutation_id"])

    def learn(self, rid: str, version: int, deleted: bool) -> None:
        """Keep the newest state heard of: a late answer (a replay's, say) may be older."""
        if version >= self.known.get(rid, (0, False))[0]:
            self.known[rid] = (version, deleted)

    def settle(self, sent: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
        for item, result in zip(sent, results, strict=True):
            if result["status"] == "out_of_order" or item not in self.queue:
                continue  # still to send, or a replay of one already answered
            self.queue.remove(item)
            self.answered.append(item)
            rid = item["record_id"]
            if result.get("current"):
                current = result["current"]
                self.learn(rid, current["version"], current["deleted"])
            elif "version" in result:
                deleted = item["kind"] == "note.delete" or (
                    item["kind"] != "note.restore" and self.known.get(rid, (0, False))[1]
                )
                self.learn(rid, result["version"], deleted)
            if not any(q["record_id"] == rid for q in self.queue):
                self.predicted.pop(rid, None)


def _check(answers: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    for got, want in zip(answers, expected, strict=True):
        assert got["status"] == want["status"], (got, want)
        for key in ("code", "original_status", "version"):
            if key in want:
                assert got.get(key) == want[key], (key, got, want)
        if "current_version" in want:
            assert got["current"]["version"] == want["current_version"], (got, want)


async def _play(phones: list[Phone], rids: list[str], steps: list[tuple[Any, ...]]) -> Model:
    model = Model()

    async def send(phone: Phone, batch: list[dict[str, Any]], lost: bool = False) -> None:
        if not batch:
            return
        cid = str(phone.device.client_id)
        expected = model.push(cid, batch)
        payload = await phone.device.push(*batch)
        _check(payload["results"], expected)
        if lost:
            phone.lost.update(m["mutation_id"] for m in batch)
        else:
            phone.settle(batch, payload["results"])

    async def drain(phone: Phone) -> None:
        for _ in range(10):
            if not phone.queue:
                break
            await send(phone, phone.queue[:50])
        assert phone.queue == [], "a queue never drained"

    for step in steps:
        phone = phones[step[1]]
        if step[0] == "write":
            _, _, slot, action, text = step
            phone.write(rids, slot, action, text)
        elif step[0] == "push":
            _, _, count, delivery, lost = step
            window = phone.queue[:count]
            if delivery == "gap":
                await send(phone, window[1:], lost)
            elif delivery == "late" and len(window) > 1:
                await send(phone, window[len(window) // 2 :], lost)
                await send(phone, window[: len(window) // 2], lost)
            else:
                await send(phone, window, lost)
        elif step[0] == "replay":
            old = sorted(phone.answered[-step[2] :], key=lambda m: m["seq"])
            await send(phone, old)
        else:
            # The client pulls only in a sync run whose push went through (static/js/sync.js
            # `run`): after a lost answer, its next run sends the queue again first. (It may
            # still pull with entries queued since, never sent: their stale base conflicts.)
            if any(m["mutation_id"] in phone.lost for m in phone.queue):
                await drain(phone)
            await _pull(phone, rids)
    for phone in phones:  # back on a good network: drain, then pull
        await drain(phone)
    for phone in phones:
        await _pull(phone, rids)
    return model


async def _pull(phone: Phone, rids: list[str]) -> None:
    for change in await phone.device.pull_all(limit=2):
        rid = change["record_id"]
        if rid in rids and rid not in phone.predicted:  # local changes win until answered
            phone.learn(rid, change["version"], change["deleted"])


async def _now(who: Made) -> str:
    """A cursor at the current end of the person's changes: a device installed now. (Earlier
    examples' records are not this example's business, and pulling them would grow.)"""
    with tenancy.bound("edinburgh"):
        counter = await ChangeCounter.get(id=1)
        reader = await visibility.reader_for(who.user.id, who.user.role)
    return Cursor(int(counter.value), reader.scope).encode()


async def _run(clients: tuple[Client, Client], who: Made, steps: list[tuple[Any, ...]]) -> None:
    rids = [str(uuid.uuid4()) for _ in range(SLOTS)]
    phones = []
    for index, http in enumerate(clients):
        device = Device(http, await csrf_token(http), cursor=await _now(who))
        phones.append(Phone(device, index))
    model = await _play(phones, rids, steps)
    sent = [m for phone in phones for m in phone.answered]
    with tenancy.bound("edinburgh"):
        logged = await AppliedMutation.filter(
            mutation_id__in=[m["mutation_id"] for m in sent]
        ).values_list("mutation_id", "status")
        notes = {str(n.id): n for n in await Note.filter(id__in=rids)}
        kept = await Conflict.filter(record_id__in=rids).values_list("mutation_id", "payload")
    # Nothing lost, nothing twice: every mutation answered, logged once, as the model says.
    assert sorted((str(i), s) for i, s in logged) == sorted(
        (i, r["status"]) for i, r in model.log.items()
    )
    assert len({m["mutation_id"] for m in sent}) == len(sent) == len(model.log)
    for rid in rids:
        want = model.records.get(rid)
        note = notes.get(rid)
        if want is None:
            assert note is None
            continue
        assert note is not None
        assert (note.version, note.deleted_at is not None, note.body) == (
            want.version,
            want.deleted,
            want.body,
        )
        for phone in phones:  # both devices converge on the server's version
            assert phone.known.get(rid, (want.version, want.deleted)) == (
                want.version,
                want.deleted,
            )
    assert {str(i): p["data"] for i, p in kept} == model.conflicts


async def _signed_in(client: Client, other: Client, users: UserFactory) -> Made:
    """The same person on both devices (signed in once; hypothesis reuses the fixtures)."""
    if not hasattr(client, "person"):
        person = await users("edinburgh", "pat")
        for http in (client, other):
            await support.sign_in(http, person)
        client.person = person  # type: ignore[attr-defined]
    return client.person  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@SQLITE_PROFILE
@given(steps=scenarios)
async def test_two_devices_agree_with_the_model_sqlite(
    client: Client, other_client: Client, users: UserFactory, steps: list[tuple[Any, ...]]
) -> None:
    who = await _signed_in(client, other_client, users)
    await _run((client, other_client), who, steps)


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
@POSTGRES_PROFILE
@given(steps=scenarios)
async def test_two_devices_agree_with_the_model_postgres(
    client: Client, other_client: Client, users: UserFactory, steps: list[tuple[Any, ...]]
) -> None:
    who = await _signed_in(client, other_client, users)
    await _run((client, other_client), who, steps)

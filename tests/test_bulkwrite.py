"""The batch's fast rows (kexpwa.domain.bulkwrite) are the rows Tortoise would make: every
record kind's model and the mutation log, built and inserted both ways, read back equal."""

from __future__ import annotations

import uuid
from datetime import date

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain import bulkwrite, registry
from kexpwa.models.records import Note
from kexpwa.models.sync import AppliedMutation, SyncClient
from tests.support import UserFactory

_STATE = ("_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save")


def _fields(row: object) -> dict[str, object]:
    return {k: v for k, v in vars(row).items() if not k.startswith("_") or k in _STATE}


async def test_built_rows_equal_tortoises_own_for_every_kind(dbs: Config) -> None:
    for kind in registry.all_kinds():
        given = {"id": uuid.uuid4(), "owner_id": uuid.uuid4(), "version": 1}
        assert _fields(bulkwrite.build(kind.model, **given)) == _fields(kind.model(**given))
    # A default made per row (a list) is never shared between rows.
    first, second = bulkwrite.build(Note), bulkwrite.build(Note)
    first.tags.append("Protection")
    assert second.tags == [] and Note().tags == []


async def test_inserted_rows_read_back_as_bulk_create_writes_them(
    dbs: Config, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    with tenancy.bound("edinburgh"):
        conn = tenancy.connection()
        client = await SyncClient.create(id=uuid.uuid4(), user_id=pat.user.id)
        values = {
            "owner_id": pat.user.id, "version": 1, "date": date(2026, 11, 20), "time": "09:30",
            "title": "Visit", "body": "Met the family.", "tags": ["Protection"],
            "tag_text": "protection", "share_lead": True, "change_no": 0,
        }  # fmt: skip
        fast = [bulkwrite.build(Note, id=uuid.uuid4(), **values) for _ in range(3)]
        slow = [Note(id=uuid.uuid4(), **values) for _ in range(3)]
        await bulkwrite.insert_many(Note, fast, conn)
        await Note.bulk_create(slow, using_db=conn)
        log = [
            bulkwrite.build(
                AppliedMutation, mutation_id=uuid.uuid4(), client_id=client.id, seq=n,
                user_id=pat.user.id, kind="note.upsert", record_id=fast[n].id,
                status="applied", result={"status": "applied", "version": 1},
            )
            for n in range(3)
        ]  # fmt: skip
        await bulkwrite.insert_many(AppliedMutation, log, conn)

        def kept(n: Note) -> dict[str, object]:
            skip = {"id", "created_at", "updated_at"}
            return {k: v for k, v in _fields(n).items() if k not in skip and not k.startswith("_")}

        read = {n.id: n for n in await Note.filter(owner_id=pat.user.id)}
        assert len(read) == 6
        for row in fast + slow:
            assert kept(read[row.id]) == kept(row) == kept(slow[0])
            assert read[row.id].created_at is not None and read[row.id].updated_at is not None
        # The stamps the fast insert set on its rows are the ones stored.
        assert [read[r.id].created_at for r in fast] == [r.created_at for r in fast]
        logged = await AppliedMutation.filter(client_id=client.id).order_by("seq")
        assert [(a.seq, a.record_id, a.result) for a in logged] == [
            (n, fast[n].id, {"status": "applied", "version": 1}) for n in range(3)
        ]

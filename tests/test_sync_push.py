"""POST /sync/push over HTTP: results per mutation, conflicts kept and resolved, rejections that
do not block, seq order per device, sharing and restore, and whole-request errors."""

from __future__ import annotations

import uuid

from kexpwa import accounts, tenancy
from kexpwa.models.account import User
from kexpwa.models.records import Note
from kexpwa.models.sync import AppliedMutation, Conflict
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import Device, envelope, mutation, note_data, statuses


async def test_create_edit_delete_round_trip(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    rid = uuid.uuid4()
    first = device.make(record_id=rid)
    payload = await device.push(first)
    assert payload == {
        "results": [
            {
                "mutation_id": first["mutation_id"],
                "status": "applied",
                "record_id": str(rid),
                "version": 1,
            }
        ],
        "last_seq": 1,
    }
    edit = device.make(record_id=rid, data={"body": "Second visit."}, base_version=1)
    delete = device.make("note.delete", record_id=rid, base_version=2)
    payload = await device.push(edit, delete)
    assert [r["version"] for r in payload["results"]] == [2, 3]
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
        assert note.body == "Second visit." and note.deleted_at is not None
        assert await AppliedMutation.all().count() == 3


async def test_conflict_keeps_the_losing_payload_until_resolved(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(client, pat)
    laptop = await Device.signed_in(other_client, pat)
    rid = uuid.uuid4()
    await phone.push(phone.make(record_id=rid, data=note_data(body="v1")))
    await phone.push(phone.make(record_id=rid, data={"body": "phone text"}, base_version=1))
    losing = laptop.make(record_id=rid, data={"body": "laptop text"}, base_version=1)
    (result,) = (await laptop.push(losing))["results"]
    assert result["status"] == "conflict" and result["code"] == "conflict"
    assert result["current"]["version"] == 2
    assert result["current"]["data"]["body"] == "phone text"
    listed = (await other_client.get("/sync/conflicts")).json()["conflicts"]
    assert [(c["conflict_id"], c["data"]) for c in listed] == [
        (result["conflict_id"], {"body": "laptop text"})
    ]
    # Resolving: a new upsert on top of the current version, from the device that lost.
    merged = laptop.make(record_id=rid, data={"body": "phone text\nlaptop text"}, base_version=2)
    assert statuses(await laptop.push(merged)) == ["applied"]
    assert (await other_client.get("/sync/conflicts")).json() == {"conflicts": []}
    resolved = (await client.get("/sync/conflicts?include=resolved")).json()["conflicts"]
    assert resolved[0]["resolved_at"] is not None and resolved[0]["data"]["body"] == "laptop text"


async def test_resolves_names_a_conflict_from_another_device(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(client, pat)
    laptop = await Device.signed_in(other_client, pat)
    rid = uuid.uuid4()
    await phone.push(phone.make(record_id=rid))
    await phone.push(phone.make(record_id=rid, data={"body": "phone"}, base_version=1))
    lost = await laptop.push(laptop.make(record_id=rid, data={"body": "x"}, base_version=1))
    conflict_id = lost["results"][0]["conflict_id"]
    # The phone, not the laptop, keeps the server text and says which conflict that settles.
    keep = phone.make(record_id=rid, data={}, base_version=2, resolves=[conflict_id])
    assert statuses(await phone.push(keep)) == ["applied"]
    with tenancy.bound("edinburgh"):
        assert (await Conflict.get(id=conflict_id)).resolved_at is not None


async def test_a_rejected_mutation_never_blocks_the_rest(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    batch = [
        device.make(data=note_data(title="")),
        device.make("note.archive"),
        device.make(data=note_data(colour="red")),
        device.make("time.upsert", data={"date": "2026-11-20", "minutes": 30, "activity": "?"}),
        device.make(),
    ]
    payload = await device.push(*batch)
    assert statuses(payload) == ["rejected", "rejected", "rejected", "rejected", "applied"]
    codes = [r.get("code") for r in payload["results"]]
    assert codes == ["invalid", "unknown_kind", "unknown_field", "invalid", None]
    assert payload["results"][0]["fields"] == {"title": "Enter title."}
    assert set(payload["results"][3]["fields"]) == {"activity"}
    assert payload["last_seq"] == 5
    again = await device.push(*batch)
    assert statuses(again) == ["duplicate"] * 5
    assert [r["original_status"] for r in again["results"]] == statuses(payload)
    assert [r.get("code") for r in again["results"]] == codes
    with tenancy.bound("edinburgh"):
        assert await Note.all().count() == 1


async def test_gaps_and_reused_seqs_apply_nothing_out_of_order(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    one, two, three = (mutation(seq) for seq in (1, 2, 3))
    payload = await device.push(two, three)
    assert [(r["status"], r["code"], r["expected_seq"]) for r in payload["results"]] == [
        ("out_of_order", "seq_gap", 1),
        ("out_of_order", "not_attempted", 1),
    ]
    assert payload["last_seq"] == 0
    assert statuses(await device.push(one, two, three)) == ["applied"] * 3
    # seq 3 again, but a different change: not applied; renumbered to 4, it is.
    reused = mutation(3)
    (result,) = (await device.push(reused))["results"]
    assert (result["status"], result["code"], result["expected_seq"]) == (
        "out_of_order",
        "seq_reused",
        4,
    )
    assert statuses(await device.push({**reused, "seq": 4})) == ["applied"]
    with tenancy.bound("edinburgh"):
        assert await Note.all().count() == 4


async def test_someone_elses_record_looks_exactly_like_a_missing_one(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    pats = await Device.signed_in(client, pat)
    sams = await Device.signed_in(other_client, sam)
    rid = uuid.uuid4()
    await pats.push(pats.make(record_id=rid, data=note_data(body="private")))
    attempts = [
        ("note.upsert", {"body": "mine now"}, 1),
        ("note.delete", None, 1),
        ("note.share", {"share_lead": True}, None),
        ("note.restore", None, None),
    ]
    for kind, data, base in attempts:
        taken = sams.make(kind, record_id=rid, data=data, base_version=base)
        missing = sams.make(kind, record_id=uuid.uuid4(), data=data, base_version=base)
        first, second = (await sams.push(taken, missing))["results"]
        assert first["status"] == "rejected" and first["code"] == "not_found"
        strip = ("mutation_id",)
        assert {k: v for k, v in first.items() if k not in strip} == {
            k: v for k, v in second.items() if k not in strip
        }
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
    assert (note.owner_id, note.body, note.version, note.deleted_at) == (
        pat.user.id,
        "private",
        1,
        None,
    )


async def test_share_and_restore_ignore_base_version(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    rid = uuid.uuid4()
    await device.push(device.make(record_id=rid))
    await device.push(device.make(record_id=rid, data={"body": "edited"}, base_version=1))
    share = device.make("note.share", record_id=rid, data={"share_lead": True}, base_version=1)
    bad = device.make("note.share", record_id=rid, data={"body": "sneaky"})
    delete = device.make("note.delete", record_id=rid, base_version=3)
    edit_deleted = device.make(record_id=rid, data={"body": "x"}, base_version=4)
    restore = device.make("note.restore", record_id=rid, base_version=1)
    payload = await device.push(share, bad, delete, edit_deleted, restore)
    assert statuses(payload) == ["applied", "rejected", "applied", "rejected", "applied"]
    assert payload["results"][1]["code"] == "unknown_field"
    assert payload["results"][3]["code"] == "deleted"
    assert payload["results"][4]["version"] == 5
    with tenancy.bound("edinburgh"):
        note = await Note.get(id=rid)
    assert note.share_lead and note.body == "edited" and note.deleted_at is None


async def test_create_never_overwrites(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    rid = uuid.uuid4()
    await device.push(device.make(record_id=rid, data=note_data(body="first")))
    again = device.make(record_id=rid, data=note_data(body="second"), base_version=None)
    (result,) = (await device.push(again))["results"]
    assert result["status"] == "conflict" and result["current"]["data"]["body"] == "first"


async def test_request_errors(client: Client, other_client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    cases: list[tuple[object, int, str]] = [
        (b"{not json", 400, "invalid_json"),
        (b'{"schema_version": NaN}', 400, "invalid_json"),
        ({"client_id": str(uuid.uuid4()), "schema_version": 2, "mutations": []}, 400, ""),
        ({"client_id": "nope", "schema_version": 1, "mutations": []}, 400, "invalid_envelope"),
        (envelope(device.client_id, [mutation(i) for i in range(1, 202)]), 413, ""),
    ]
    expected_codes = ["invalid_json", "invalid_json", "unsupported_schema_version"]
    expected_codes += ["invalid_envelope", "too_many_mutations"]
    for (body, status, _), code in zip(cases, expected_codes, strict=True):
        response = await device.post(body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
    huge = await device.post(b"[" + b" " * 2_200_000 + b"]")
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    wrong_token = await client.post(
        "/sync/push", json=envelope(device.client_id, []), headers={"X-CSRF-Token": "nope"}
    )
    assert wrong_token.status_code == 403 and wrong_token.json()["error"]["code"] == "forbidden"
    signed_out = await other_client.post("/sync/push", json=envelope(uuid.uuid4(), []))
    assert signed_out.status_code == 403  # never signed in: no CSRF token either
    assert (await other_client.get("/sync/pull")).status_code == 401
    # The same client_id from someone else's account.
    await device.push(device.make())
    sam = await Device.signed_in(other_client, await users("edinburgh", "sam"))
    taken = await sam.post(envelope(device.client_id, [mutation(2)]))
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "client_mismatch"


async def test_an_ended_session_is_a_json_401(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    with tenancy.bound("edinburgh"):
        await accounts.sign_out_everywhere(await User.get(id=pat.user.id))
    # The session ends but keeps its CSRF token, so the answer is "sign in", not "forbidden";
    # ended on purpose, it is "revoked" (issue 13) at every contact until the next sign-in.
    response = await device.post(envelope(device.client_id, [device.make()]))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked"
    pulled = await client.get("/sync/pull")
    assert pulled.status_code == 401
    assert pulled.json()["error"]["code"] == "revoked"
    with tenancy.bound("edinburgh"):
        assert await Note.all().count() == 0


async def test_a_chain_of_offline_edits_holds_or_breaks_as_a_whole(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    phone = await Device.signed_in(client, pat)
    laptop = await Device.signed_in(other_client, pat)
    rid = uuid.uuid4()
    # Offline on the phone: create, an edit that changes nothing, then a real edit, each made
    # on top of the one before (predicted versions 1, 2, 3).
    create = phone.make(record_id=rid, data=note_data(body="v1"))
    same = phone.make(
        record_id=rid, data={"body": "v1"}, base_version=1, base_mutation_id=create["mutation_id"]
    )
    edit = phone.make(
        record_id=rid, data={"body": "v2"}, base_version=2, base_mutation_id=same["mutation_id"]
    )
    payload = await phone.push(create, same, edit)
    assert [r["version"] for r in payload["results"]] == [1, 1, 2]  # the no-op made no version
    # Offline on the laptop, on version 2: two edits, the second on top of the first. The
    # phone edits first, so the laptop's first edit conflicts, and its second, though its
    # predicted base (3) is now the current version, must not land on the phone's text.
    laptop_first = laptop.make(record_id=rid, data={"body": "laptop 1"}, base_version=2)
    laptop_second = laptop.make(
        record_id=rid,
        data={"body": "laptop 2"},
        base_version=3,
        base_mutation_id=laptop_first["mutation_id"],
    )
    await phone.push(phone.make(record_id=rid, data={"body": "phone"}, base_version=2))
    payload = await laptop.push(laptop_first, laptop_second)
    assert statuses(payload) == ["conflict", "conflict"]
    with tenancy.bound("edinburgh"):
        assert (await Note.get(id=rid)).body == "phone"
        kept = (
            await Conflict.filter(record_id=rid)
            .order_by("created_at")
            .values_list("payload", flat=True)
        )
    assert [p["data"]["body"] for p in kept] == ["laptop 1", "laptop 2"]


async def test_roles_that_do_not_capture_may_not_sync(client: Client, users: UserFactory) -> None:
    from kexpwa.models.account import Role

    ada = await users("edinburgh", "ada", role=Role.ADMIN, team=None)
    device = await Device.signed_in(client, ada)
    for response in (
        await device.post(envelope(device.client_id, [device.make()])),
        await client.get("/sync/pull"),
        await client.get("/sync/conflicts"),
    ):
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    with tenancy.bound("edinburgh"):
        assert await Note.all().count() == 0


async def test_a_reused_mutation_id_for_another_change_is_rejected_not_dropped(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    first = device.make()
    await device.push(first)
    reused = device.make(record_id=uuid.uuid4(), mutation_id=first["mutation_id"])
    (result,) = (await device.push(reused))["results"]
    assert (result["status"], result["code"]) == ("rejected", "mutation_id_taken")
    assert statuses(await device.push(device.make())) == ["applied"]  # seq 2 was taken

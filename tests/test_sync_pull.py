"""GET /sync/pull: own records and tombstones, paging, what a team lead reads, starting again
when what a reader may see changes, compression, and request errors."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime, timedelta

from kexpwa import tenancy
from kexpwa.domain import tombstones
from kexpwa.models.account import Role, Team, User
from kexpwa.models.records import Note
from kexpwa.models.sync import SyncClient
from kexpwa.settings import DEFAULT_ACTIVITIES, Settings
from tests.conftest import Client
from tests.support import UserFactory
from tests.sync_support import TODAY, Device, note_data

ACTIVITY = DEFAULT_ACTIVITIES[0]


def by_record(changes: list[dict]) -> dict[str, dict]:
    return {c["record_id"]: c for c in changes}


async def test_own_records_of_every_kind_with_tombstones(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    project, note, journal, time = (uuid.uuid4() for _ in range(4))
    await device.push(
        device.make("project.upsert", record_id=project, data={"title": "Kinship care"}),
        device.make(record_id=note, data=note_data(project_id=str(project))),
        device.make(
            "journal.upsert",
            record_id=journal,
            data={
                "template": "gibbs",
                "title": "Visit",
                "date": TODAY,
                "sections": {"feelings": "ok"},
            },
        ),
        device.make(
            "time.upsert",
            record_id=time,
            data={"date": TODAY, "duration": "1h 30", "activity": ACTIVITY},
        ),
        device.make("note.delete", record_id=note, base_version=1),
    )
    changes = await device.pull_all()
    assert [(c["kind"], c["record_id"]) for c in changes] == [
        ("project", str(project)),
        ("journal", str(journal)),
        ("time", str(time)),
        ("note", str(note)),
    ]
    tomb = by_record(changes)[str(note)]
    assert tomb == {
        "kind": "note",
        "record_id": str(note),
        "version": 2,
        "deleted": True,
        "read_only": False,
        "data": None,
    }
    assert by_record(changes)[str(time)]["data"]["minutes"] == 90
    assert not any(c["read_only"] for c in changes)
    assert (await device.pull())["changes"] == []  # nothing new since


async def test_paging_returns_every_change_once_even_with_writes_between_pages(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    ids = [uuid.uuid4() for _ in range(13)]
    await device.push(
        *(device.make(record_id=i, data=note_data(title=f"n{n}")) for n, i in enumerate(ids))
    )
    seen: list[tuple[str, int]] = []
    page = await device.pull(limit=4)
    seen += [(c["record_id"], c["version"]) for c in page["changes"]]
    # An edit of a record already pulled and a new one, between pages.
    extra = uuid.uuid4()
    await device.push(
        device.make(record_id=ids[0], data={"body": "again"}, base_version=1),
        device.make(record_id=extra),
    )
    while page["has_more"]:
        page = await device.pull(limit=4)
        assert len(page["changes"]) <= 4
        seen += [(c["record_id"], c["version"]) for c in page["changes"]]
    seen += [(c["record_id"], c["version"]) for c in (await device.pull_all(limit=4))]
    expected = {(str(i), 1) for i in ids} | {(str(ids[0]), 2), (str(extra), 1)}
    assert sorted(seen) == sorted(expected)


async def _team(users: UserFactory) -> tuple:
    pat = await users("edinburgh", "pat", team="Team A")
    sam = await users("edinburgh", "sam", team="Team B")
    lee = await users("edinburgh", "lee", role=Role.TEAM_LEAD, team="Team A")
    return pat, sam, lee


async def test_a_lead_reads_what_the_team_shared_read_only(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat, sam, lee = await _team(users)
    pats = await Device.signed_in(client, pat)
    shared, private, time, elsewhere = (uuid.uuid4() for _ in range(4))
    await pats.push(
        pats.make(
            record_id=shared, data=note_data(title="shared", share_lead=True, share_research=True)
        ),
        pats.make(record_id=private, data=note_data(title="private")),
        pats.make(
            "time.upsert",
            record_id=time,
            data={"date": TODAY, "minutes": 45, "activity": ACTIVITY, "note": "with J."},
        ),
    )
    sams = await Device.signed_in(other_client, sam)
    await sams.push(sams.make(record_id=elsewhere, data=note_data(share_lead=True)))
    await other_client.post("/logout", headers={"X-CSRF-Token": sams.token})
    lees = await Device.signed_in(other_client, lee)
    first = by_record(await lees.pull_all())
    assert set(first) == {str(shared), str(time)}
    assert first[str(shared)]["read_only"] and first[str(shared)]["owner_name"] == "pat"
    assert "share_research" not in first[str(shared)]["data"]
    assert first[str(time)]["data"]["minutes"] == 45 and first[str(time)]["data"]["note"] == ""
    # Changes to sharing reach the lead: the note text once shared, a tombstone once unshared.
    await pats.push(
        pats.make("time.share", record_id=time, data={"share_note_lead": True}),
        pats.make("note.share", record_id=shared, data={"share_lead": False}),
        pats.make(record_id=private, data={"body": "still private"}, base_version=1),
    )
    second = by_record(await lees.pull_all())
    assert set(second) == {str(shared), str(time)}
    assert second[str(time)]["data"]["note"] == "with J."
    assert second[str(shared)]["deleted"] and second[str(shared)]["data"] is None
    # And the lead cannot change what they read.
    (result,) = (await lees.push(lees.make(record_id=time, kind="time.delete", base_version=2)))[
        "results"
    ]
    assert result["code"] == "not_found"


async def test_a_team_change_starts_the_lead_again(
    client: Client, other_client: Client, users: UserFactory
) -> None:
    pat, _, lee = await _team(users)
    pats = await Device.signed_in(client, pat)
    await pats.push(pats.make(data=note_data(share_lead=True)))
    lees = await Device.signed_in(other_client, lee)
    assert len(await lees.pull_all()) == 1
    with tenancy.bound("edinburgh"):
        other = await Team.get(name="Team B")
        await User.filter(id=pat.user.id).update(team_id=other.id)
    page = await lees.pull()
    assert page["reset"] is True and page["changes"] == [] and not page["has_more"]
    assert (await lees.pull())["reset"] is False


async def test_pulls_are_compressed_and_checked(client: Client, users: UserFactory) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    await device.push(*(device.make(data=note_data(body="word " * 200)) for _ in range(5)))
    response = await client.get("/sync/pull", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "no-store"
    assert len(response.json()["changes"]) == 5
    raw = await client.get("/sync/pull", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content) / 5
    for query, code in [
        ("cursor=nope", "invalid_cursor"),
        ("cursor=YzE6MTpaWlo", "invalid_cursor"),
        ("limit=0", "invalid_limit"),
        ("limit=1001", "invalid_limit"),
        ("limit=ten", "invalid_limit"),
    ]:
        bad = await client.get(f"/sync/pull?{query}")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == code, query


async def test_a_page_of_long_entries_stops_at_four_megabytes(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    keys = ("description", "feelings", "evaluation", "analysis", "conclusion", "action_plan")
    ids = [uuid.uuid4() for _ in range(40)]
    for start in range(0, len(ids), 12):  # 12 x 120 KB per push stays under the 2 MiB limit
        await device.push(
            *(
                device.make(
                    "journal.upsert",
                    record_id=i,
                    data={
                        "template": "gibbs",
                        "title": "Long",
                        "date": TODAY,
                        "sections": {k: "w" * 20_000 for k in keys},
                    },
                )
                for i in ids[start : start + 12]
            )
        )
    first = await device.pull(limit=1000)
    assert first["has_more"] and 30 <= len(first["changes"]) < 40
    rest = await device.pull_all(limit=1000)
    assert sorted(c["record_id"] for c in first["changes"] + rest) == sorted(map(str, ids))


async def _page_to_the_end(device: Device, limit: int, rows: int) -> list[dict]:
    """Every page of one pass, failing (instead of looping for ever) if the pass never ends."""
    pages: list[dict] = []
    for _ in range(rows // limit + 3):
        pages.append(await device.pull(limit=limit))
        if not pages[-1]["has_more"]:
            return pages
    raise AssertionError(
        f"no end after {len(pages)} pages at limit {limit}: resets {[p['reset'] for p in pages]}"
    )


async def test_pulls_finish_after_a_purge_with_every_live_record_once(
    client: Client, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    ids = [uuid.uuid4() for _ in range(212)]  # more than one page below the mark at limit 200
    for start in range(0, len(ids), 106):
        await device.push(*(device.make(record_id=i) for i in ids[start : start + 106]))
    await device.pull_all(limit=1000)
    away = device.cursor  # a device that pulled everything, then went offline
    gone = ids[-1]
    await device.push(device.make("note.delete", record_id=gone, base_version=1))
    with tenancy.bound("edinburgh"):
        long_ago = datetime.now(UTC) - timedelta(days=settings.offline_horizon_days + 1)
        await Note.filter(id=gone).update(deleted_at=long_ago)
        assert (await tombstones.purge(settings.offline_horizon_days)).total == 1
    live = sorted(str(i) for i in ids[:-1])
    for limit in (5, 200):
        for cursor in (away, None):  # back from offline, and a device installed after the purge
            reader = Device(client, device.token, cursor=cursor)
            pages = await _page_to_the_end(reader, limit, len(ids))
            assert [p["reset"] for p in pages] == [cursor is not None] + [False] * (len(pages) - 1)
            delivered = [c["record_id"] for p in pages for c in p["changes"]]
            assert sorted(delivered) == live  # each live record exactly once, no tombstone
            after = await reader.pull(limit=limit)
            assert (after["reset"], after["changes"], after["has_more"]) == (False, [], False)


async def test_a_limit_in_other_digits_is_refused_not_a_500(
    client: Client, users: UserFactory
) -> None:
    await Device.signed_in(client, await users("edinburgh", "pat"))
    # str.isdigit() says yes to each of these and int() says no (or reads them as 10).
    for limit in ("²", "①", "\uff11\uff10", "٣", "10\n", " 10", "+10"):
        bad = await client.get("/sync/pull", params={"limit": limit})
        assert bad.status_code == 400, (limit, bad.text)
        assert bad.json()["error"]["code"] == "invalid_limit"


async def test_a_pull_moves_the_devices_last_sync_even_with_nothing_to_send(
    client: Client, users: UserFactory
) -> None:
    """A lead's overview says "not synced for 14 days" from the devices' last sync; a phone
    with nothing new to send only pulls, and that is a sync too."""
    pat = await users("edinburgh", "pat")
    device = await Device.signed_in(client, pat)
    await device.push(device.make())
    long_ago = datetime.now(UTC) - timedelta(days=20)
    with tenancy.bound("edinburgh"):
        await SyncClient.filter(user_id=pat.user.id).update(last_seen_at=long_ago)
    await device.pull_all()
    with tenancy.bound("edinburgh"):
        seen = await SyncClient.filter(user_id=pat.user.id).values_list("last_seen_at", flat=True)
    assert len(seen) == 1 and datetime.now(UTC) - seen[0] < timedelta(minutes=5)

"""Research participation travels through sync (on SQLite and PostgreSQL): a phone says yes, the
push applies it exactly once however often it is resent, the export includes the person's time;
another device pulls the choice and withdraws it, and the next export leaves the time out; each
choice is audited once. A
stale choice is a kept conflict; any record id but the person's own, and a delete, are refused
without changing anything."""

from __future__ import annotations

import uuid

from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from kexpwa import db, tenancy
from kexpwa.config import Config
from kexpwa.domain import changes, participation
from kexpwa.domain.kinds import Context
from kexpwa.export import plan as plans
from kexpwa.models.account import Role, User
from kexpwa.models.audit import AuditEvent
from kexpwa.models.consent import Participation
from kexpwa.models.records import SharingChange
from kexpwa.models.sync import AppliedMutation
from kexpwa.settings import Settings
from tests.capture_helpers import domain_data
from tests.conftest import Client
from tests.export_helpers import export, open_zip
from tests.support import UserFactory
from tests.sync_support import Device, statuses

FIELD = participation.FIELD


async def _exported_minutes(dbs: Config, settings: Settings) -> list[int]:
    plan = plans.plan({a.slug: a.name for a in dbs.authorities})
    z = open_zip((await export(dbs, settings, plan))[0])
    return [int(row["minutes"]) for row in z.csv("time")]


async def test_a_choice_made_on_a_phone_reaches_the_export_and_other_devices(
    dbs: Config, client: Client, other_client: Client, users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    with tenancy.bound("edinburgh"):
        ctx = Context.of(pat.user, settings)
        time = domain_data("time", duration="1h 35")
        await changes.upsert(ctx, "time", uuid.uuid4(), time, None)
    assert await _exported_minutes(dbs, settings) == []  # off by default

    phone = await Device.signed_in(client, pat)
    laptop = await Device.signed_in(other_client, pat)
    rid = participation.record_id(pat.user.id)
    yes = phone.make("participation.upsert", record_id=rid, data={FIELD: True})
    first = await phone.push(yes)
    again = await phone.push(yes)  # the acknowledgement was lost: the same mutation again
    assert statuses(first) == ["applied"] and statuses(again) == ["duplicate"]
    assert again["results"][0]["original_status"] == "applied"
    assert again["results"][0]["version"] == 1
    with tenancy.bound("edinburgh"):
        assert await AppliedMutation.filter(record_id=rid).count() == 1
        assert await SharingChange.filter(kind="participation").count() == 1
        assert (await Participation.get(id=rid)).version == 1
    assert await _exported_minutes(dbs, settings) == [95]

    pulled = [c for c in await laptop.pull_all() if c["kind"] == "participation"]
    assert [(c["record_id"], c["version"], c["data"]) for c in pulled] == [
        (str(rid), 1, {FIELD: True})
    ]
    no = laptop.make("participation.upsert", record_id=rid, data={FIELD: False}, base_version=1)
    assert statuses(await laptop.push(no)) == ["applied"]
    assert await _exported_minutes(dbs, settings) == []
    with tenancy.bound("edinburgh"):
        assert [c.included for c in await participation.history(pat.user.id)] == [True, False]
        assert not await participation.current(pat.user.id)
        # Each synced choice is audited once (the resend added nothing), as the form's are.
        audited = await AuditEvent.filter(action="research.participation").order_by("id")
        assert [(a.actor_id, a.actor_role, a.detail) for a in audited] == [
            (pat.user.id, "practitioner", {"included": True}),
            (pat.user.id, "practitioner", {"included": False}),
        ]

    # The phone, still on version 1, says yes again: a conflict, kept for the person to settle.
    stale = phone.make("participation.upsert", record_id=rid, data={FIELD: True}, base_version=1)
    (result,) = (await phone.push(stale))["results"]
    assert result["status"] == "conflict" and result["current"]["data"] == {FIELD: False}
    listed = (await client.get("/sync/conflicts")).json()["conflicts"]
    assert [c["record_id"] for c in listed] == [str(rid)]
    assert await _exported_minutes(dbs, settings) == []


async def test_only_the_persons_own_record_and_never_deleted(
    client: Client, users: UserFactory
) -> None:
    pat = await users("edinburgh", "pat")
    sam = await users("edinburgh", "sam")
    phone = await Device.signed_in(client, pat)
    mine = participation.record_id(pat.user.id)
    other = phone.make("participation.upsert", record_id=uuid.uuid4(), data={FIELD: True})
    sams = phone.make(
        "participation.upsert", record_id=participation.record_id(sam.user.id), data={FIELD: True}
    )
    junk = phone.make("participation.upsert", record_id=mine, data={FIELD: "perhaps"})
    payload = await phone.push(other, sams, junk)
    assert statuses(payload) == ["rejected"] * 3
    assert [r["code"] for r in payload["results"]] == ["invalid"] * 3
    ok = phone.make("participation.upsert", record_id=mine, data={FIELD: True})
    delete = phone.make("participation.delete", record_id=mine, base_version=1)
    payload = await phone.push(ok, delete)
    assert statuses(payload) == ["applied", "rejected"]
    assert payload["results"][1]["code"] == "invalid"
    with tenancy.bound("edinburgh"):
        assert [r.owner_id for r in await Participation.all()] == [pat.user.id]
        assert await participation.current(pat.user.id)
        assert not await participation.current(sam.user.id)


async def test_migration_0012_turns_each_consent_row_into_its_record(dbs: Config) -> None:
    """A council that chose on the server before the choice was synced keeps it: the row
    becomes the person's participation record (with a change number, so pulls carry it), and
    its dated history follows it."""
    alias = tenancy.alias("edinburgh")
    conn = get_connection(alias)
    executor = MigrationExecutor(conn, {"authority": db.app_configs(alias)["authority"]})
    await executor.migrate([MigrationTarget("authority", "0010_research_consent")])
    with tenancy.bound("edinburgh"):
        kept = await User.create(
            username="kept", display_name="Kept", password_hash="x", role=Role.PRACTITIONER
        )
        mark = "?" if conn.capabilities.dialect == "sqlite" else "$1"
        insert = "INSERT INTO research_consent (user_id, time_and_projects, changed_at) VALUES "
        await conn.execute_query(
            insert + f"({mark}, TRUE, CURRENT_TIMESTAMP)",
            [str(kept.id) if mark == "?" else kept.id],
        )
        await SharingChange.create(
            kind="participation",
            record_id=kept.id,
            audience="research",
            shared=True,
            actor_id=kept.id,
        )
    await executor.migrate()
    with tenancy.bound("edinburgh"):
        record = await Participation.get(id=participation.record_id(kept.id))
        assert record.owner_id == kept.id and record.time_and_projects and record.change_no > 0
        assert [c.included for c in await participation.history(kept.id)] == [True]
        assert await participation.current(kept.id)

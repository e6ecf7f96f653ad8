"""Purging tombstones after the offline horizon: the domain function and `kexpwa
purge-tombstones`, run as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain import changes, tombstones
from kexpwa.domain.kinds import Context
from kexpwa.models.records import Note, Project, RecordVersion
from kexpwa.models.sync import ChangeCounter
from kexpwa.settings import Settings
from tests.support import UserFactory
from tests.sync_support import note_data

LONG_AGO = datetime.now(UTC) - timedelta(days=120)


async def _deleted_note(ctx: Context, **extra: object) -> uuid.UUID:
    rid = uuid.uuid4()
    await changes.upsert(ctx, "note", rid, note_data(**extra), None)
    await changes.delete(ctx, "note", rid, 1)
    return rid


async def test_purge_removes_only_old_tombstones_and_what_nothing_points_at(
    users: UserFactory, settings: Settings
) -> None:
    pat = await users("edinburgh", "pat")
    ctx = Context.of(pat.user, settings)
    with tenancy.bound("edinburgh"):
        old = await _deleted_note(ctx)
        recent = await _deleted_note(ctx)
        kept_project, lone_project = uuid.uuid4(), uuid.uuid4()
        for pid in (kept_project, lone_project):
            await changes.upsert(ctx, "project", pid, {"title": "P"}, None)
        live = uuid.uuid4()
        await changes.upsert(ctx, "note", live, note_data(project_id=str(kept_project)), None)
        for pid in (kept_project, lone_project):
            await changes.delete(ctx, "project", pid, 1)
        await Note.filter(id=old).update(deleted_at=LONG_AGO)
        await Project.all().update(deleted_at=LONG_AGO)
        before = (await ChangeCounter.get(id=1)).purged_through
        purged = await tombstones.purge(settings.offline_horizon_days)
        assert purged.counts == {"note": 1, "journal": 0, "time": 0, "project": 1}
        assert set(await Note.all().values_list("id", flat=True)) == {recent, live}
        # A live note still points at the first project, so it waits for a later purge.
        assert await Project.all().values_list("id", flat=True) == [kept_project]
        assert not await RecordVersion.filter(record_id__in=[old, lone_project]).exists()
        assert await RecordVersion.filter(record_id=recent).exists()
        assert (await ChangeCounter.get(id=1)).purged_through > before
        again = await tombstones.purge(settings.offline_horizon_days)
        assert again.total == 0 and again.purged_through == purged.purged_through


def _kexpwa(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEXPWA_")}
    clean.update({"KEXPWA_DATA_DIR": str(data_dir), **env})
    return subprocess.run(
        [sys.executable, "-m", "kexpwa", *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
    )


async def test_the_purge_command(
    cfg: Config, users: UserFactory, settings: Settings, tmp_path: Path
) -> None:
    pat = await users("edinburgh", "pat")
    morgan = await users("east-lothian", "morgan")
    for who in (pat, morgan):
        with tenancy.bound(who.authority):
            await _deleted_note(Context.of(who.user, settings))
            await Note.all().update(deleted_at=datetime.now(UTC) - timedelta(days=40))
    kept = _kexpwa(tmp_path, "purge-tombstones")
    assert kept.returncode == 0, kept.stderr
    assert "edinburgh: purged 0 deleted entries older than 90 days" in kept.stdout
    done = _kexpwa(
        tmp_path, "purge-tombstones", "--authority", "edinburgh", KEXPWA_OFFLINE_HORIZON_DAYS="30"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "edinburgh: purged 1 deleted entries older than 30 days "
        "(journal 0, note 1, project 0, time 0)"
    )
    for who, left in ((pat, 0), (morgan, 1)):
        with tenancy.bound(who.authority):
            assert await Note.all().count() == left
    for args, env, words in [
        (("--authority", "nowhere"), {}, "unknown authority"),
        ((), {"KEXPWA_OFFLINE_HORIZON_DAYS": "0"}, "at least 1"),
    ]:
        failed = _kexpwa(tmp_path, "purge-tombstones", *args, **env)
        assert failed.returncode != 0 and words in failed.stderr
        assert "Traceback" not in failed.stderr

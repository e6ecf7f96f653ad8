"""The research export holds only what practitioners consent to, read at export time, across two
authorities on SQLite and PostgreSQL: shared notes and journal entries, and the time and
projects of people whose research participation is on; never private, lead-only, withdrawn or
deleted entries, time notes or project questions. Each export is audited everywhere it read."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain import changes, consent, participation
from kexpwa.export import build, log
from kexpwa.export import plan as plans
from kexpwa.export.log import RESEARCH_ACTION
from kexpwa.models.audit import AuditEvent
from kexpwa.models.directory import DirectoryAuditEvent, ResearchExport
from kexpwa.models.records import SharingChange
from kexpwa.settings import Settings
from tests.export_helpers import export, open_zip, seed
from tests.support import UserFactory


def _titles(rows: list[dict[str, str]]) -> set[str]:
    return {r["title"] for r in rows}


async def test_only_consented_rows_and_withdrawals_honoured(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    ds = await seed(users, settings)
    known = {a.slug: a.name for a in dbs.authorities}
    plan = plans.plan(known)
    first, result = await export(dbs, settings, plan)
    z = open_zip(first)
    assert _titles(z.csv("notes")) == {
        "in: shared",
        "in then out - withdrawn",
        "in then out - deleted",
        "in: sam",
        "in: kirsty",
    }
    assert _titles(z.csv("journal")) == {"in: gibbs"}
    minutes = sorted(int(r["minutes"]) for r in z.csv("time"))
    assert minutes == [50, 95]  # Pat and Kirsty consented; Sam did not
    (project,) = z.csv("projects")
    assert project["stage"] == "plan" and "title" not in project and "question" not in project
    assert {r["authority"] for r in z.csv("notes")} == set(known.values())
    everything = z.everything()
    for secret in (b"secret time note", b"secret question", b"secret project", b"out: "):
        assert secret not in everything
    assert result.counts["east-lothian"] == {"note": 1, "journal": 0, "time": 1, "project": 0}

    # Withdrawn, deleted, and Pat's participation withdrawn: the next export leaves them out,
    # although the first export held them.
    pat = ds.people["patricia.mcgregor"]
    with tenancy.bound("edinburgh"):
        ctx = ds.contexts["patricia.mcgregor"]
        await changes.upsert(ctx, "note", ds.ids["withdrawn"], {"share_research": False}, 1)
        await changes.delete(ctx, "note", ds.ids["deleted"], 1)
        assert await consent.choose(pat.user, False, ctx)
        assert not await consent.choose(pat.user, False, ctx)  # no change, no history row
        history = await participation.history(pat.user.id)
        assert [h.included for h in history] == [True, False]
        assert await SharingChange.filter(kind="participation").count() == 2
    z = open_zip((await export(dbs, settings, plan))[0])
    assert _titles(z.csv("notes")) == {"in: shared", "in: sam", "in: kirsty"}
    assert [int(r["minutes"]) for r in z.csv("time")] == [95]
    assert z.csv("projects") == []

    # A chosen authority and type only; dates filter.
    only = plans.plan(known, authorities=["east-lothian"], types=["note"])
    z = open_zip((await export(dbs, settings, only))[0])
    assert _titles(z.csv("notes")) == {"in: kirsty"} and "time.csv" not in z.files
    later = plans.plan(known, date_from="2999-01-01")
    assert open_zip((await export(dbs, settings, later))[0]).csv("notes") == []

    # Audited in each authority read and in the directory, with the manifest hash.
    for slug in known:
        with tenancy.bound(slug):
            events = await AuditEvent.filter(action=RESEARCH_ACTION).order_by("id")
            assert events[0].detail["manifest_sha256"] == result.manifest_sha256
    with tenancy.bound("edinburgh"):
        assert await AuditEvent.filter(action=RESEARCH_ACTION).count() == 3  # not "only"
    assert await DirectoryAuditEvent.filter(action=RESEARCH_ACTION).count() == 4
    assert await ResearchExport.filter(manifest_sha256=result.manifest_sha256).exists()


def test_bad_filters_say_what_is_wrong() -> None:
    known = {"edinburgh": "City of Edinburgh Council", "east-lothian": "East Lothian Council"}
    for kwargs, message in (
        ({"authorities": ["glasgow"]}, "no authority called 'glasgow'"),
        ({"types": ["feedback"]}, "'feedback' is not a type"),
        ({"date_from": "31/03/2026"}, "From must be a date"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "From must not be after To"),
        ({"dates": "month"}, "Dates must be"),
    ):
        try:
            plans.plan(known, **kwargs)  # type: ignore[arg-type]
        except plans.ExportError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{kwargs} was accepted")


async def test_a_download_that_breaks_leaves_nothing_behind(
    dbs: Config,
    users: UserFactory,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # This test's own temporary folder: other processes (the suite runs in two) export too.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    await seed(users, settings)
    plan = plans.plan({a.slug: a.name for a in dbs.authorities})
    found = await build.sources(plan, log.councils(dbs))
    finished: list[build.Result] = []

    async def finish(result: build.Result) -> None:
        finished.append(result)

    before = set(Path(tempfile.gettempdir()).glob("kexpwa-export-*"))
    body = build.stream(
        plan, found, activities=settings.activities, cpl_tags=settings.cpl_tags, finish=finish
    )
    await anext(body)
    await anext(body)
    during = set(Path(tempfile.gettempdir()).glob("kexpwa-export-*")) - before
    assert len(during) == 1  # the JSON Lines and XLSX spool
    await body.aclose()  # the client went away
    assert not finished and not await ResearchExport.exists()
    assert not any(path.exists() for path in during)

"""What is inside the ZIP: no direct identifier anywhere (every file's bytes, the workbook's inner
XML too); stable keyed pseudonyms that differ between people and change when the key does; CSV,
JSON Lines and XLSX that read back exactly the stored text; a manifest whose checksums match;
and a codebook that covers every column of every file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain import identifiers
from kexpwa.export import columns, log, rows
from kexpwa.export import plan as plans
from kexpwa.models.account import Team
from kexpwa.settings import Settings
from tests.export_helpers import (
    PEOPLE,
    TRICKY,
    Opened,
    check_manifest_and_codebook,
    export,
    open_zip,
    seed,
)
from tests.support import UserFactory


async def test_no_identifiers_stable_pseudonyms_and_a_complete_codebook(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    ds = await seed(users, settings)
    known = {a.slug: a.name for a in dbs.authorities}
    plan = plans.plan(known, dates="exact")
    first = open_zip((await export(dbs, settings, plan))[0])
    second = open_zip((await export(dbs, settings, plan))[0])
    check_manifest_and_codebook(first)

    everything = first.everything().lower()
    for username, (_, display, team) in PEOPLE.items():
        for identifier in (username, display, team):
            assert identifier.lower().encode() not in everything, identifier
    for slug in known:
        with tenancy.bound(slug):
            for name in await Team.all().values_list("name", flat=True):
                assert str(name).lower().encode() not in everything
    for authority in dbs.authorities:
        assert authority.pseudonym_key.encode().lower() not in everything

    def people(z: Opened) -> dict[str, str]:
        return {r["entry_id"]: r["practitioner"] for r in z.csv("notes")}

    assert people(first) == people(second)  # stable across exports
    by_title = {r["title"]: r for r in first.csv("notes")}
    pat, sam = by_title["in: shared"], by_title["in: sam"]
    kirsty = by_title["in: kirsty"]
    assert len({pat["practitioner"], sam["practitioner"], kirsty["practitioner"]}) == 3
    assert pat["team"] != sam["team"] and pat["team"].startswith("T-")
    assert pat["practitioner"].startswith("P-") and len(pat["practitioner"]) == 7
    (journal,) = first.csv("journal")
    assert journal["practitioner"] == pat["practitioner"]
    (project,) = first.csv("projects")
    pat_time = next(r for r in first.csv("time") if r["minutes"] == "50")
    assert pat_time["project_id"] == project["project_id"]
    assert pat_time["practitioner"] == pat["practitioner"] and pat_time["own_time"] == "true"

    # A rotated key: every pseudonym of that council changes; the other council's do not.
    councils = log.councils(dbs)
    councils["edinburgh"] = replace(councils["edinburgh"], pseudonym_key="r" * 48)
    rotated = open_zip((await export(dbs, settings, plan, councils))[0])
    again = {r["title"]: r for r in rotated.csv("notes")}
    assert again["in: shared"]["practitioner"] != pat["practitioner"]
    assert again["in: shared"]["entry_id"] != pat["entry_id"]
    assert again["in: kirsty"]["practitioner"] == kirsty["practitioner"]
    assert ds.ids  # the dataset's ids are never what the research dataset shows
    assert str(ds.ids["shared"]) not in first.everything().decode()


async def test_round_trip_csv_json_xlsx(
    dbs: Config, users: UserFactory, settings: Settings
) -> None:
    await seed(users, settings)
    known = {a.slug: a.name for a in dbs.authorities}
    z = open_zip((await export(dbs, settings, plans.plan(known, dates="exact")))[0])
    check_manifest_and_codebook(z)
    for spec in columns.FILES:
        from_csv = z.csv(spec.stem)
        from_json = z.jsonl(spec.stem)
        from_sheet = z.sheet(spec.stem)
        assert len(from_csv) == len(from_json) == len(from_sheet)
        for c_row, j_row, s_row in zip(from_csv, from_json, from_sheet, strict=True):
            assert list(c_row) == list(j_row) == list(s_row)
            for name, value in j_row.items():
                if isinstance(value, bool):
                    assert c_row[name] == str(value).lower() and s_row[name] is value
                elif isinstance(value, int):
                    assert c_row[name] == str(value) and s_row[name] == value
                else:
                    assert c_row[name] == value, name
                    assert (s_row[name] or "") == value, name
    note = next(r for r in z.jsonl("notes") if r["title"] == "in: shared")
    assert note["body"] == TRICKY
    (journal,) = z.jsonl("journal")
    assert journal["gibbs__description"] == TRICKY and journal["gibbs__feelings"] == "Uneasy."
    assert journal["fook_gardner__incident"] == "" and journal["template"] == "gibbs"


def test_every_column_is_described_for_both_datasets() -> None:
    for spec in columns.FILES:
        for column in spec.columns:
            assert column.meaning and column.type, column.name
    names = [c.name for c in columns.BY_KIND["journal"].columns]
    assert len(names) == len(set(names))


def test_the_text_hook_redacts_every_identifier_vector() -> None:
    """``redact`` skips text with no digit or "@" (once folded): it must still redact every
    finding of the shared identifier vectors, so the shortcut never lets one through."""
    vectors = json.loads((Path(__file__).parent / "vectors" / "identifiers.json").read_text())
    plan = plans.plan({"edinburgh": "City of Edinburgh Council"})
    for case in vectors["cases"]:
        if case["findings"]:
            redacted = rows.text(case["text"], plan)
            assert redacted != case["text"], case["text"]
            assert identifiers.scan(redacted) == [], redacted

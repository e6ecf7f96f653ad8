"""Helpers for the export tests: a small dataset across two authorities, making an export the
way the web and the CLI do, and reading the ZIP back (CSV with the csv module, JSON Lines, XLSX
with openpyxl)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

import openpyxl

from kexpwa import tenancy
from kexpwa.config import Config
from kexpwa.domain import changes, consent
from kexpwa.domain.kinds import Context
from kexpwa.export import build, columns, log
from kexpwa.export.build import Council, Result
from kexpwa.export.plan import Plan
from kexpwa.settings import Settings
from tests.capture_helpers import ACTIVITY, TAG, TODAY, domain_data
from tests.support import Made, UserFactory

# Text that breaks naive writers: quotes, commas, line breaks, emoji, Gaelic and Polish
# accents, right-to-left script, a leading "=".
TRICKY = (
    'She said "no", then: yes,\nnext line\n\nà bhàta 🌧️ Gàidhlig; zażółć gęślą jaźń; שלום עולם; =1+1'
)
PEOPLE = {
    # username: (authority, display name, team)
    "patricia.mcgregor": ("edinburgh", "Patricia McGregor", "Leith Kinship Team"),
    "samir.okonkwo": ("edinburgh", "Samir Okonkwo", "Pilton Family Support"),
    "kirsty.dalgleish": ("east-lothian", "Kirsty Dalgleish", "Musselburgh Duty Team"),
}


@dataclass
class Dataset:
    people: dict[str, Made]
    ids: dict[str, uuid.UUID] = field(default_factory=dict)
    contexts: dict[str, Context] = field(default_factory=dict)

    async def upsert(self, who: str, kind: str, name: str, data: dict[str, Any]) -> uuid.UUID:
        self.ids[name] = self.ids.get(name) or uuid.uuid4()
        with tenancy.bound(self.people[who].authority):
            await changes.upsert(self.contexts[who], kind, self.ids[name], data, None)
        return self.ids[name]


async def seed(users: UserFactory, settings: Settings) -> Dataset:
    """Pat and Sam in Edinburgh, Kirsty in East Lothian. Pat and Kirsty include their time and
    projects; Sam does not. Every entry's title says whether an export may include it."""
    made = {}
    for username, (authority, display, team) in PEOPLE.items():
        person = await users(authority, username, team=team)
        with tenancy.bound(authority):
            person.user.display_name = display
            await person.user.save(update_fields=["display_name"])
        made[username] = person
    ds = Dataset(made)
    ds.contexts = {name: Context.of(p.user, settings) for name, p in made.items()}
    pat, sam, kirsty = PEOPLE
    for who in (pat, kirsty):
        with tenancy.bound(made[who].authority):
            await consent.choose(made[who].user, True, ds.contexts[who])
    project = await ds.upsert(
        pat,
        "project",
        "project",
        domain_data("project", title="in: secret project title", question="secret question"),
    )
    await ds.upsert(
        pat,
        "note",
        "shared",
        domain_data("note", title="in: shared", body=TRICKY, share_research=True, tags=[TAG]),
    )
    await ds.upsert(pat, "note", "private", domain_data("note", title="out: private"))
    await ds.upsert(
        pat, "note", "lead", domain_data("note", title="out: lead only", share_lead=True)
    )
    await ds.upsert(
        pat,
        "note",
        "withdrawn",
        domain_data("note", title="in then out - withdrawn", share_research=True),
    )
    await ds.upsert(
        pat,
        "note",
        "deleted",
        domain_data("note", title="in then out - deleted", share_research=True),
    )
    await ds.upsert(
        pat,
        "journal",
        "journal",
        domain_data(
            "journal",
            template="gibbs",
            title="in: gibbs",
            sections={"description": TRICKY, "feelings": "Uneasy."},
            share_research=True,
        ),
    )
    await ds.upsert(pat, "journal", "journal_private", domain_data("journal", title="out: diary"))
    time = {"date": TODAY.isoformat(), "activity": ACTIVITY}
    await ds.upsert(
        pat,
        "time",
        "pat_time",
        {
            **time,
            "minutes": 50,
            "own_time": True,
            "note": "secret time note",
            "project_id": str(project),
        },
    )
    await ds.upsert(sam, "time", "sam_time", {**time, "minutes": 20, "note": "sam time"})
    await ds.upsert(
        sam, "note", "sam_note", domain_data("note", title="in: sam", share_research=True)
    )
    await ds.upsert(kirsty, "time", "kirsty_time", {**time, "minutes": 95, "note": "k"})
    await ds.upsert(
        kirsty, "note", "kirsty_note", domain_data("note", title="in: kirsty", share_research=True)
    )
    return ds


async def export(
    cfg: Config, settings: Settings, plan: Plan, councils: dict[str, Council] | None = None
) -> tuple[bytes, Result]:
    """Make an export as the web and the CLI do (audited like the research dataset)."""
    found = await build.sources(plan, councils or log.councils(cfg))
    results: list[Result] = []

    async def finish(result: Result) -> None:
        results.append(result)
        if plan.research:
            await log.research(result, None)

    chunks = [
        chunk
        async for chunk in build.stream(
            plan, found, activities=settings.activities, cpl_tags=settings.cpl_tags, finish=finish
        )
    ]
    return b"".join(chunks), results[0]


@dataclass
class Opened:
    files: dict[str, bytes]

    def csv(self, stem: str) -> list[dict[str, str]]:
        text = self.files[f"{stem}.csv"].decode("utf-8")
        assert text.startswith("\ufeff"), "CSV must start with a BOM"
        return list(csv.DictReader(io.StringIO(text[1:], newline="")))

    def jsonl(self, stem: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.files[f"{stem}.jsonl"].decode().splitlines()]

    def sheet(self, stem: str) -> list[dict[str, Any]]:
        book = openpyxl.load_workbook(io.BytesIO(self.files["dataset.xlsx"]), read_only=True)
        rows = list(book[stem].iter_rows(values_only=True))
        book.close()
        header = [str(h) for h in rows[0]]
        return [dict(zip(header, row, strict=False)) for row in rows[1:]]

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.files["manifest.json"])

    def everything(self) -> bytes:
        """Every file's bytes, the XLSX's inner files unpacked too."""
        parts = [b for n, b in self.files.items() if n != "dataset.xlsx"]
        with zipfile.ZipFile(io.BytesIO(self.files["dataset.xlsx"])) as inner:
            parts += [inner.read(n) for n in inner.namelist()]
        return b"\n".join(parts)


def open_zip(data: bytes) -> Opened:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return Opened({name: zf.read(name) for name in zf.namelist()})


def _codebook(z: Opened) -> set[tuple[str, str]]:
    text = z.files["codebook.csv"].decode("utf-8-sig")
    return {(r["file"], r["column"]) for r in csv.DictReader(io.StringIO(text, newline=""))}


def check_manifest_and_codebook(z: Opened) -> None:
    """The manifest's checksums and row counts match the files, and the codebook (both forms)
    describes every column of every CSV file."""
    manifest = z.manifest()
    assert set(manifest["files"]) == set(z.files) - {"manifest.json"}
    for name, facts in manifest["files"].items():
        assert hashlib.sha256(z.files[name]).hexdigest() == facts["sha256"], name
    for key in ("exported_at", "filters", "authorities", "rows", "app_version", "schema_version"):
        assert manifest[key], key
    described = _codebook(z)
    md = z.files["codebook.md"].decode()
    for spec in columns.FILES:
        name = f"{spec.stem}.csv"
        if name not in z.files:
            continue
        header = next(csv.reader(io.StringIO(z.files[name].decode("utf-8-sig"))))
        for column in header:
            assert (name, column) in described, f"codebook lacks {name} {column}"
            assert f"| {column} |" in md, f"codebook.md lacks {name} {column}"
        assert manifest["files"][name]["rows"] == len(z.csv(spec.stem))

"""Making an export: read each type's rows once, authority by authority, and write them at once
as CSV into the archive and as JSON Lines and an XLSX sheet into temporary files (deleted
afterwards, whatever happens); then add those, the codebook and the manifest. The archive's
bytes are handed on as they are made (:func:`stream`), so neither the rows nor the ZIP are ever
held whole in memory.

Before anything is sent every chosen authority must answer (:func:`sources`): an unreachable
council is an error naming it, never an export that silently lacks it."""

from __future__ import annotations

import hashlib
import json
import pkgutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import xlsxwriter

from kexpwa.export import codebook, rows
from kexpwa.export.columns import BY_KIND
from kexpwa.export.plan import Plan, Unreachable
from kexpwa.export.writers import CsvRows, JsonRows, SheetRows
from kexpwa.export.zipstream import Entry, Sink, archive

FORMAT = "kexpwa-export/1"
COPY_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Council:
    """What the export needs of a configured authority (the key never leaves this process)."""

    slug: str
    name: str
    pseudonym_key: str


@dataclass
class Result:
    """A finished export: what the manifest says, for the audit rows and the export log."""

    plan: Plan
    exported_at: datetime
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> rows, sha256
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # slug -> kind -> rows
    manifest_sha256: str = ""

    def rows(self) -> dict[str, int]:
        """Rows per type, all authorities together."""
        totals: dict[str, int] = {}
        for per in self.counts.values():
            for kind, n in per.items():
                totals[kind] = totals.get(kind, 0) + n
        return totals


def schema_version() -> str:
    """The newest migration of each database app: what the rows' shape came from."""
    from kexpwa.migrations import authority, directory

    def newest(package: Any) -> str:
        return max(m.name for m in pkgutil.iter_modules(package.__path__))

    return f"authority {newest(authority)}; directory {newest(directory)}"


def app_version() -> str:
    try:
        return metadata.version("kexpwa")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a plain checkout
        return "unknown"


async def sources(p: Plan, councils: Mapping[str, Council]) -> list[rows.Source]:
    """Each chosen authority, checked to answer. Raises Unreachable naming the first that
    does not (nothing has been sent yet)."""
    found = []
    for slug in p.authorities:
        council = councils[slug]
        try:
            found.append(await rows.source(slug, council.name, council.pseudonym_key))
        except Exception as exc:  # a database that does not answer, whatever its driver says
            raise Unreachable(
                f"{council.name} could not be reached ({type(exc).__name__}), so nothing was "
                "exported. Try again later, or leave that council out."
            ) from exc
    return found


async def total(p: Plan, found: Sequence[rows.Source]) -> int:
    """How many rows the export will hold (counted in SQL; for a progress bar)."""
    return sum([await rows.count(p, src, kind) for src in found for kind in p.types])


async def stream(
    p: Plan,
    found: Sequence[rows.Source],
    *,
    activities: Sequence[str],
    cpl_tags: Sequence[str],
    finish: Callable[[Result], Awaitable[None]],
    progress: Callable[[int], None] | None = None,
) -> AsyncIterator[bytes]:
    """The ZIP's bytes, as they are made. ``finish`` is awaited with the result once every file
    is written and before the archive's last bytes (its directory) are sent, so a download that
    broke earlier leaves no audit row, export log or file behind. ``progress`` is told the
    number of rows of each batch as it is written."""
    result = Result(p, datetime.now(UTC).replace(microsecond=0))
    result.counts = {src.slug: {} for src in found}
    when = result.exported_at
    sink = Sink()
    with tempfile.TemporaryDirectory(prefix="kexpwa-export-") as folder:
        tmp = Path(folder)
        zf = archive(sink)
        book = xlsxwriter.Workbook(
            str(tmp / "dataset.xlsx"), {"constant_memory": True, "tmpdir": folder}
        )
        spools: list[tuple[str, Path, int]] = []
        for kind in p.types:
            spec = BY_KIND[kind]
            columns = spec.for_profile(p.research)
            entry = Entry(zf, f"{spec.stem}.csv", when)
            as_csv = CsvRows(columns)
            spool_path = tmp / f"{spec.stem}.jsonl"
            count = 0
            with spool_path.open("wb") as spool:
                as_json = JsonRows(columns, spool)
                as_sheet = SheetRows(columns, book.add_worksheet(spec.stem))
                for src in found:
                    mine = 0
                    async for batch in rows.batches(p, src, kind):
                        for row in batch:
                            as_csv.add(row)
                            as_json.add(row)
                            as_sheet.add(row)
                        mine += len(batch)
                        if progress is not None:
                            progress(len(batch))
                        entry.write(as_csv.drain())
                        yield sink.drain()
                    result.counts[src.slug][kind] = mine
                    count += mine
            entry.write(as_csv.drain())
            result.files[entry.name] = {"rows": count, "sha256": entry.close()}
            spools.append((f"{spec.stem}.jsonl", spool_path, count))
        book.close()
        spools.append(("dataset.xlsx", tmp / "dataset.xlsx", sum(result.rows().values())))
        for name, path, count in spools:
            entry = Entry(zf, name, when)
            with path.open("rb") as handle:
                while chunk := handle.read(COPY_CHUNK):
                    entry.write(chunk)
                    yield sink.drain()
            result.files[name] = {"rows": count, "sha256": entry.close()}
            path.unlink()
        names = [src.name for src in found]
        for name, body in (
            ("codebook.md", codebook.markdown(p, activities, cpl_tags, names)),
            ("codebook.csv", codebook.table(p, activities, cpl_tags, names)),
        ):
            result.files[name] = {"sha256": _whole(zf, name, body.encode(), when)}
        manifest = _manifest(result, found)
        result.manifest_sha256 = hashlib.sha256(manifest).hexdigest()
        _whole(zf, "manifest.json", manifest, when)
        zf.close()
        await finish(result)
    yield sink.drain()


def _manifest(result: Result, found: Sequence[rows.Source]) -> bytes:
    body = {
        "format": FORMAT,
        "dataset": "research" if result.plan.research else "own data",
        "exported_at": result.exported_at.isoformat(),
        "filters": result.plan.filters(),
        "authorities": [{"slug": s.slug, "name": s.name} for s in found],
        "rows": result.rows(),
        "files": result.files,
        "app_version": app_version(),
        "schema_version": schema_version(),
    }
    return json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"


def _whole(zf: Any, name: str, data: bytes, when: datetime) -> str:
    entry = Entry(zf, name, when)
    entry.write(data)
    return entry.close()

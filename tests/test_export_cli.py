"""``kexpwa export`` and ``kexpwa pseudonym-key --rotate`` as an operator runs them, on both
backends (in process, through click's runner: its output is not a terminal, as when piped):
the export prints nothing and leaves only the finished ZIP; bad input and an unreachable council
are clear errors that leave no file; rotating a key changes only that council's key, and is
audited in that council's log and the directory's."""

from __future__ import annotations

import asyncio
import os
import tomllib
from pathlib import Path

from click.testing import CliRunner

from kexpwa import config as config_module
from kexpwa import db, tenancy
from kexpwa.cli import cli
from kexpwa.config import Config
from kexpwa.models.audit import AuditEvent
from kexpwa.models.directory import DirectoryAuditEvent
from tests.export_helpers import open_zip


def _key(config: Path, slug: str) -> str:
    data = tomllib.loads(config.read_text())
    return str(next(a for a in data["authority"] if a["slug"] == slug)["pseudonym_key"])


async def _rotations(cfg: Config) -> tuple[list[str], list[str], list[dict[str, object]]]:
    """Where the rotation was audited: each council's log, and the directory's."""
    async with db.open_databases(cfg):
        found = []
        for slug in ("edinburgh", "east-lothian"):
            with tenancy.bound(slug):
                rows = await AuditEvent.filter(action="pseudonym_key.rotated")
                found.append([r.target_id for r in rows if r.actor_role == "cli"])
        directory = await DirectoryAuditEvent.filter(action="pseudonym_key.rotated")
        return found[0], found[1], [r.detail for r in directory]


def test_export_rotate_and_failures(cfg: Config, tmp_path: Path) -> None:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("KEXPWA_")}
    env["KEXPWA_DATA_DIR"] = str(tmp_path)
    runner = CliRunner(env=env)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "research.zip"
    args = ["export", "--out", str(out), "--types", "note,time", "--dates", "exact"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output == ""  # not a terminal: quiet
    z = open_zip(out.read_bytes())
    assert set(z.manifest()["files"]) == {
        "notes.csv",
        "time.csv",
        "notes.jsonl",
        "time.jsonl",
        "dataset.xlsx",
        "codebook.md",
        "codebook.csv",
    }
    assert list(folder.iterdir()) == [out]  # the temporary name is gone

    bad = runner.invoke(cli, ["export", "--out", str(folder / "x.zip"), "--types", "notes"])
    assert bad.exit_code != 0 and "'notes' is not a type" in bad.output
    assert list(folder.iterdir()) == [out]

    config = tmp_path / "kexpwa.toml"
    before, east = _key(config, "edinburgh"), _key(config, "east-lothian")
    said = runner.invoke(cli, ["pseudonym-key", "--rotate", "--authority", "edinburgh", "--yes"])
    assert said.exit_code == 0 and "pseudonyms change" in said.output
    assert _key(config, "edinburgh") != before and _key(config, "east-lothian") == east
    assert asyncio.run(_rotations(cfg)) == (["edinburgh"], [], [{"authority": "edinburgh"}])

    # A council whose database does not answer: an error naming it, and no file.
    data = tomllib.loads(config.read_text())
    for item in data["authority"]:
        if item["slug"] == "east-lothian":
            url = item["url"]
            if url.startswith("sqlite://"):
                gone = Path(url.removeprefix("sqlite://"))
                gone.unlink()
                gone.mkdir()
            else:
                item["url"] = url.rsplit("/", 1)[0] + "/kx_no_such_database"
    config_module.write(config, data)
    failed = runner.invoke(cli, ["export", "--out", str(folder / "y.zip")])
    assert failed.exit_code != 0
    assert "East Lothian Council could not be reached" in failed.output, failed.output
    assert list(folder.iterdir()) == [out]
    # A rotation that cannot be audited (the council's database is gone) does not happen.
    refused = runner.invoke(
        cli, ["pseudonym-key", "--rotate", "--authority", "east-lothian", "--yes"]
    )
    assert refused.exit_code != 0 and _key(config, "east-lothian") == east
    assert "could not be recorded in the audit log" in refused.output, refused.output

"""``kexpwa export`` and ``kexpwa pseudonym-key --rotate`` as an operator runs them: piped, the
export prints nothing and leaves only the finished ZIP; bad input and an unreachable council
are clear errors that leave no file; rotating a key changes that council's pseudonyms."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.export_helpers import open_zip
from tests.test_cli import Kexpwa, initialised, kexpwa  # noqa: F401 (fixtures)


def _key(config: Path, slug: str) -> str:
    data = tomllib.loads(config.read_text())
    return str(next(a for a in data["authority"] if a["slug"] == slug)["pseudonym_key"])


def test_export_rotate_and_failures(initialised: Kexpwa, tmp_path: Path) -> None:  # noqa: F811
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out = tmp_path / "research.zip"
    result = initialised("export", "--out", str(out), "--types", "note,time", "--dates", "exact")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # piped: quiet
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
    assert list(tmp_path.iterdir()) == [out]  # the temporary name is gone

    message = initialised.fails("export", "--out", str(tmp_path / "x.zip"), "--types", "notes")
    assert "'notes' is not a type" in message
    assert list(tmp_path.iterdir()) == [out]

    before = _key(initialised.config, "edinburgh")
    east = _key(initialised.config, "east-lothian")
    said = initialised.ok("pseudonym-key", "--rotate", "--authority", "edinburgh", "--yes")
    assert "pseudonyms change" in said
    assert _key(initialised.config, "edinburgh") != before
    assert _key(initialised.config, "east-lothian") == east

    # A council whose database has gone: an error naming it, and no file.
    (initialised.data_dir / "east-lothian.sqlite3").unlink()
    (initialised.data_dir / "east-lothian.sqlite3").mkdir()
    message = initialised.fails("export", "--out", str(tmp_path / "y.zip"))
    assert "East Lothian Council could not be reached" in message, message
    assert list(tmp_path.iterdir()) == [out]

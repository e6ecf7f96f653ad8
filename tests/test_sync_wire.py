"""The framework-free parts of sync/: strict JSON, the cursor, the catalogue as documented in
PROTOCOL.md, and the rule that sync/ imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import base64
import re
import sys
from pathlib import Path

import pytest

from sync import wire
from sync.cursor import Cursor
from sync.errors import APP, MUTATION, REQUEST, SyncError
from sync.pull import parse_limit

SYNC = Path(__file__).resolve().parents[1] / "sync"


def test_sync_imports_only_the_standard_library_and_itself() -> None:
    outside = []
    for path in SYNC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("sync", "__future__"):
                    outside.append(f"{path.name}: {name}")
    assert outside == []


def _documented(heading: str) -> dict[str, str]:
    """``code -> status`` from the table under ``heading`` in PROTOCOL.md."""
    text = (SYNC / "PROTOCOL.md").read_text()
    section = text.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| ([a-z_0-9]+) \| (.+) \|$", section, re.M)
    return {code: status for code, status, _ in rows}


def test_the_catalogue_and_protocol_md_agree() -> None:
    requests = _documented("### Whole-request errors")
    assert requests == {code: str(e.status) for code, e in {**REQUEST, **APP}.items()}
    mutations = _documented("### Mutation codes")
    assert set(mutations) == set(MUTATION)
    text = (SYNC / "PROTOCOL.md").read_text()
    for entry in [*REQUEST.values(), *APP.values(), *MUTATION.values()]:
        assert entry.message.split("{")[0][:30] in text, entry.code


@pytest.mark.parametrize(
    "body,code",
    [
        (b"\xff", "invalid_json"),
        (b'{"a": NaN}', "invalid_json"),
        (b'{"a": -Infinity}', "invalid_json"),
        (b'{"a": 1e400}', "invalid_json"),
        (b'{"a": 1, "a": 2}', "invalid_json"),
        (b"[" * 13 + b"]" * 13, "too_deep"),
        (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
    ],
)
def test_strict_json(body: bytes, code: str) -> None:
    with pytest.raises(SyncError) as info:
        wire.decode(body)
    assert info.value.code == code and info.value.status == 400


def test_strict_json_accepts_what_devices_send() -> None:
    assert wire.decode('{"t": "é🦀\\n", "n": [1, 2.5, -3e2]}'.encode()) == {
        "t": "é🦀\n",
        "n": [1, 2.5, -300.0],
    }
    assert wire.decode(b"[" * 12 + b"]" * 12)
    assert not wire.storable({"a": "\x00"}) and not wire.storable({"\ud800": 1})
    assert wire.storable({"a": ["é", {"b": "\x07"}]})


def test_cursors_round_trip_and_refuse_anything_else() -> None:
    cursor = Cursor(123456789, "0f" * 8)
    assert Cursor.decode(cursor.encode()) == cursor
    assert "123456789" not in cursor.encode()  # opaque
    for bad in ["", "x", "YzE6MTpaWlo", "YzI6MTphYg", "Yz" * 200, Cursor(-1, "ab").encode()]:
        with pytest.raises(SyncError) as info:
            Cursor.decode(bad)
        assert info.value.code == "invalid_cursor"


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_cursors_carry_their_purge_mark_and_old_ones_stay_valid() -> None:
    marked = Cursor(40, "ab", purge_mark=70)
    assert Cursor.decode(marked.encode()) == marked
    # A device holding a cursor from before the mark existed is not turned away.
    assert Cursor.decode(_raw("c1:40:ab")) == Cursor(40, "ab", 0)
    for bad in ["c2:40:ab", "c1:40:ab:70", "c2:40:ab:7x", "c2:4²:ab:0", "c2:40\n:ab:0"]:
        with pytest.raises(SyncError):
            Cursor.decode(_raw(bad))
    # Below the mark: missed the purge, unless issued under it (a pass begun after the purge).
    assert Cursor(40, "ab", 0).missed_purge(70)
    assert not Cursor(40, "ab", 70).missed_purge(70)
    assert Cursor(40, "ab", 70).missed_purge(71)
    assert not Cursor(80, "ab", 0).missed_purge(70)


def test_limits() -> None:
    assert parse_limit(None) == 500 and parse_limit("1") == 1 and parse_limit("1000") == 1000
    for bad in [
        "0",
        "1001",
        "-1",
        "1.5",
        "ten",
        "9" * 50,
        "²",
        "①",
        "\uff11\uff10",
        "٣",
        "10\n",
        " 10",
    ]:
        with pytest.raises(SyncError):
            parse_limit(bad)

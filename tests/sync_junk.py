"""Deterministic generators of malformed sync input, for tests/test_sync_bad_input.py (and
the well-formed mutation they start from, which bench/bench_sync.py sends too).

``envelopes()`` yields push bodies that are wrong as a whole (bytes that are not UTF-8 or not
JSON, NaN and Infinity, deep nesting, wrong types and missing keys at every level, bad UUIDs
and seqs): each must be a 4xx with a JSON error. ``mutations()`` yields well-formed mutations
whose content is wrong (unknown kinds and fields, values of every wrong type, huge strings,
characters that cannot be stored): each must be ``rejected`` on its own.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

BAD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**63,
    -(2**70),
    "",
    " ",
    "x",
    "x" * 100_000,
    "\u202e\u0000",
    "🦀" * 50,
    [],
    [1, 2],
    {},
    {"a": 1},
    [[[[[]]]]],
    "1",
    "null",
    "{}",
]
BAD_UUIDS: list[Any] = [
    "",
    "not-a-uuid",
    "0" * 31,
    "g" * 32,
    "12345678-1234-1234-1234-1234567890123",
    str(uuid.uuid4()) + "x",
    str(uuid.uuid4())[:-1],
    "x" * 5000,
    "\uff10" * 32,  # full-width zeros: uuid.UUID() reads them as hex digits
    "12345678-1234-1234-1234-12345678901\ud800",
    123,
    None,
    [],
    {},
    True,
]
BAD_SEQS: list[Any] = [0, -1, 2**53, 2**64, 1.0, 1.5, "1", True, None, [], {}, "x" * 1000]
BAD_VERSIONS: list[Any] = [-1, 2**31, 2**40, 1.5, "1", True, [], {}, "x"]
BAD_TIMES: list[Any] = [
    "yesterday",
    "2026-13-40T99:99:99Z",
    "",
    12,
    [],
    "x" * 100,
    True,
    "2026-11-20\x0009:14:00",
    "2026-11-20\ud80009:14:00",
    "2026-11-20\u060009:14:00",
]  # fromisoformat takes any separator; fmt: skip
RAW: list[bytes] = [
    b"",
    b" ",
    b"\xff",
    b"\xfe\xff\x00{",
    b"\xc3\x28",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b'{"client_id": "\xff\xfe"}',
    b"\xef\xbb\xbf{}",
    b"{",
    b"}",
    b"[",
    b"{'single': 'quotes'}",
    b'{"a": 1,}',
    b'{"a" 1}',
    b"null",
    b"true",
    b"1",
    b'"string"',
    b"[]",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b'{"schema_version": NaN}',
    b'{"schema_version": Infinity}',
    b'{"schema_version": -Infinity}',
    b'{"schema_version": 1e400}',
    b'{"schema_version": -1e400}',
    b'{"schema_version": 1' + b"0" * 5000 + b"}",
    b'{"a": 1, "a": 2}',
    b"<xml/>",
    b"client_id=x&schema_version=1",
    b"\x00\x00\x00",
    b'{"client_id": "x"}\x00',
    b'{"x": "\\ud800"}',
    b'{"x": "\\u0000"}',
]


def valid_mutation(seq: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A well-formed note create numbered ``seq``, with new ids: what each junk case spoils one
    part of, and the bench's notes (``data`` replaces the minimal title and date)."""
    return {
        "mutation_id": str(uuid.uuid4()),
        "seq": seq,
        "kind": "note.upsert",
        "record_id": str(uuid.uuid4()),
        "base_version": None,
        "data": data if data is not None else {"title": "t", "date": "2026-11-20"},
        "client_time": "2026-11-20T09:14:00Z",
    }


def _envelope(client_id: str, mutations: list[Any]) -> dict[str, Any]:
    return {"client_id": client_id, "schema_version": 1, "mutations": mutations}


def _nested(depth: int, kind: str) -> bytes:
    return (
        (b"[" * depth + b"]" * depth)
        if kind == "list"
        else (b'{"a":' * depth + b"1" + b"}" * depth)
    )


def envelopes(client_id: str) -> Iterator[tuple[str, bytes]]:
    """(label, body) pairs, each a push the server must refuse as a whole with a 4xx."""
    for raw in RAW:
        yield f"raw {raw[:20]!r}", raw
    for depth in (13, 50, 1000, 100_000):
        for kind in ("list", "object"):
            yield f"depth {depth} {kind}", _nested(depth, kind)
    for depth in (9, 50, 500):
        deep: Any = {"title": "t"}
        for _ in range(depth):
            deep = {"n": deep}
        body = _envelope(client_id, [{**valid_mutation(1), "data": deep}])
        yield f"deep data {depth}", json.dumps(body).encode()
    for key in ("client_id", "schema_version", "mutations"):
        base = _envelope(client_id, [valid_mutation(1)])
        missing = {k: v for k, v in base.items() if k != key}
        yield f"missing {key}", json.dumps(missing).encode()
        for value in BAD_VALUES + BAD_UUIDS:
            if key == "mutations" and value == []:
                continue  # an empty push is allowed
            if key == "schema_version" and value == 1:
                continue
            yield f"{key}={str(value)[:30]!r}", json.dumps({**base, key: value}).encode()
    yield "extra envelope key", json.dumps({**_envelope(client_id, []), "x": 1}).encode()
    yield (
        "too many",
        json.dumps(_envelope(client_id, [valid_mutation(i + 1) for i in range(201)])).encode(),
    )
    for index in (0, 3):
        for key, values in (
            ("mutation_id", BAD_UUIDS),
            ("record_id", BAD_UUIDS),
            ("seq", BAD_SEQS),
            ("kind", [None, 1, [], {}, True, "", "k" * 65]),
            ("base_version", BAD_VERSIONS),
            ("data", [1, "x", [], True, 1.5, "{}"]),
            ("client_time", BAD_TIMES),
            ("resolves", ["x", 1, {}, [1], ["nope"], [str(uuid.uuid4())] * 21]),
            ("base_mutation_id", BAD_UUIDS[:-4]),
        ):
            for value in values:
                batch = [valid_mutation(i + 1) for i in range(5)]
                batch[index] = {**batch[index], key: value}
                label = f"mutations[{index}].{key}={str(value)[:30]!r}"
                yield label, json.dumps(_envelope(client_id, batch)).encode()
            if key in ("mutation_id", "record_id", "seq", "kind"):  # the required ones
                batch = [valid_mutation(i + 1) for i in range(5)]
                del batch[index][key]
                body = json.dumps(_envelope(client_id, batch)).encode()
                yield f"mutations[{index}] without {key}", body
        for value in BAD_VALUES:
            batch: list[Any] = [valid_mutation(i + 1) for i in range(5)]
            if isinstance(value, dict) and value:
                continue
            batch[index] = value
            yield (
                f"mutations[{index}]={str(value)[:30]!r}",
                json.dumps(_envelope(client_id, batch)).encode(),
            )
        batch = [valid_mutation(i + 1) for i in range(5)]
        batch[index]["surprise"] = 1
        yield f"mutations[{index}] extra key", json.dumps(_envelope(client_id, batch)).encode()
    batch = [valid_mutation(i + 1) for i in range(3)]
    batch[2]["mutation_id"] = batch[0]["mutation_id"]
    yield "same mutation_id twice", json.dumps(_envelope(client_id, batch)).encode()
    for seqs in ([1, 1], [2, 1], [1, 3, 2], [5, 5, 6]):
        batch = [valid_mutation(s) for s in seqs]
        yield f"seqs {seqs}", json.dumps(_envelope(client_id, batch)).encode()
    rng = random.Random(4)
    for n in range(500):
        yield f"junk {n}", junk_envelope(rng, client_id)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9 if depth < 4 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 7, 2**31, 2**53 + 1, -(2**63)])
    if choice == 3:
        return rng.choice([0.5, -1e308, 1e-300, 3.0])
    if choice == 4:
        alphabet = "aZ 0é\n\t\u200b🦀\ud800\x00\x07"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
    if choice == 5:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if choice in (6, 7):
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    keys = ["title", "body", "date", "x", "mutation_id", "seq", "kind", "data", "\ud800", ""]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def junk_envelope(rng: random.Random, client_id: str) -> bytes:
    """A push with one random thing wrong in one random place."""
    batch = [valid_mutation(i + 1) for i in range(rng.randrange(1, 4))]
    target = rng.choice(["envelope", "mutation"])
    if target == "envelope":
        body: dict[str, Any] = _envelope(client_id, batch)
        key = rng.choice(["client_id", "schema_version", "mutations", "extra"])
    else:
        body = _envelope(client_id, batch)
        item = rng.choice(batch)
        key = rng.choice(
            ["mutation_id", "seq", "record_id", "base_version", "client_time", "extra"]
        )
        value = random_json(rng)
        while _acceptable(key, value):
            value = random_json(rng)
        item[key] = value
        return json.dumps(body).encode("utf-8", "surrogatepass")
    value = random_json(rng)
    while _acceptable(key, value):
        value = random_json(rng)
    body[key] = value
    return json.dumps(body).encode("utf-8", "surrogatepass")


def _acceptable(key: str, value: Any) -> bool:
    """True if ``value`` would be a valid value for ``key`` (the generator must avoid it)."""
    if key in ("base_version",):
        return value is None or (type(value) is int and 0 <= value < 2**31)
    if key == "seq":
        return type(value) is int and 1 <= value < 2**53
    if key == "client_time":
        return value is None
    if key == "mutations":
        return value == []
    if key in ("client_id", "mutation_id", "record_id"):
        return False if not isinstance(value, str) else _is_uuid(value)
    if key == "schema_version":
        return value == 1
    return False


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


TEXT_WRONG: list[Any] = [123, 1.5, True, [], ["x"], {"a": 1}, "\x00", "\x07bell", "\ud800",
                         "x" * 30_000, "ok\x1b[31m", "\ufffd"]  # fmt: skip
DATE_WRONG: list[Any] = [123, True, [], {}, "2026-02-30", "9999-01-01", "yesterday", "1999-12-31",
                         "2026-11-20T10:00", "26/11/2026"]  # fmt: skip
REF_WRONG: list[Any] = ["nope", 123, True, [], {}, str(uuid.UUID(int=7)), "\x00"]
BOOL_WRONG: list[Any] = [123, 1.5, [], {}, "maybe", "TRUE "]
# field -> values that must each be refused, for each type (valid data laid under them)
WRONG: dict[str, dict[str, list[Any]]] = {
    "note": {
        "title": [*TEXT_WRONG, "", "   "],
        "body": TEXT_WRONG,
        "date": [*DATE_WRONG, "", None],
        "time": ["25:00", "noon", 930, True, "12:60"],
        "project_id": REF_WRONG,
        "tags": ["Juggling", 123, ["Juggling"], [1], {"a": 1}, [None]],
        "share_lead": BOOL_WRONG,
        "share_research": BOOL_WRONG,
    },
    "journal": {
        "template": ["diary", 123, None, [], ""],
        "title": TEXT_WRONG,
        "sections": [
            [],
            "x",
            5,
            {"mood": "x"},
            {"feelings": 123},
            {"feelings": ""},
            {"feelings": "x" * 30_000},
        ],
        "date": [*DATE_WRONG, None],
        "session_date": DATE_WRONG,
        "session_title": TEXT_WRONG,
        "source_id": REF_WRONG,
        "tags": ["Juggling", [1]],
    },
    "time": {
        "date": [*DATE_WRONG, None],
        "duration": ["", "a while", "25h", "-30", 123, "9" * 5000, [], "0"],
        "minutes": [-5, 0, 1.5, "30", True, 10**9, None, 2**70],
        "activity": ["Golf", 123, None, [], ""],
        "own_time": BOOL_WRONG,
        "project_id": REF_WRONG,
        "note": [*TEXT_WRONG, "n" * 501],
        "share_note_lead": BOOL_WRONG,
    },
    "project": {
        "title": [*TEXT_WRONG, ""],
        "question": TEXT_WRONG,
        "stage": ["finished", 123, [], True],
        "substep": ["poster", 123],
        "start_date": DATE_WRONG,
    },
}
VALID: dict[str, dict[str, Any]] = {
    "note": {"title": "t", "date": "2026-11-20"},
    "journal": {
        "template": "gibbs",
        "title": "t",
        "date": "2026-11-20",
        "sections": {"feelings": "ok"},
    },
    "time": {"date": "2026-11-20", "minutes": 30, "activity": "Reflection group"},
    "project": {"title": "t", "stage": "do"},
}


def mutations() -> Iterator[tuple[str, str, dict[str, Any] | None]]:
    """(label, kind, data) for well-formed mutations with bad content, each to be rejected."""
    kinds = ["note", "note.", ".upsert", "note.upsert ", "NOTE.UPSERT", "note.pin",
             "project.share", "time.archive", "k" * 64, "nöte.upsert", "note.upsert.x"]  # fmt: skip
    for kind in kinds:
        yield f"kind {kind[:20]!r}", kind, {"title": "t", "date": "2026-11-20"}
    for kind in ("note.upsert", "note.share", "journal.share", "time.share", "project.upsert"):
        yield f"{kind} without data", kind, None
    for type_, fields in WRONG.items():
        for name, values in fields.items():
            for value in values:
                if type_ == "time" and name == "minutes":
                    data = {k: v for k, v in VALID[type_].items() if k != "duration"}
                    data[name] = value
                else:
                    data = {**VALID[type_], name: value}
                yield f"{type_}.{name}={str(value)[:20]!r}", f"{type_}.upsert", data
        yield f"{type_} unknown field", f"{type_}.upsert", {**VALID[type_], "colour": "red"}
        yield f"{type_} unstorable key", f"{type_}.upsert", {**VALID[type_], "\ud800": 1}
    for kind in ("note.share", "journal.share", "time.share"):
        yield f"{kind} content", kind, {"title": "sneaky"}
        yield f"{kind} empty", kind, {}
        yield f"{kind} wrong type", kind, {"share_lead": "maybe", "share_note_lead": 7}

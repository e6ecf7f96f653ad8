"""Properties of the identifier scan (kexpwa.domain.identifiers, kexpwa.domain.textfold):
generated valid CHI and National Insurance numbers are caught in any layout; ten digits failing
both CHI checks never are; redaction leaves no finding behind; the fold keeps UTF-16 length;
the client config carries the rules."""

from __future__ import annotations

import json
import re
from datetime import date
from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from kexpwa.domain import identifiers
from kexpwa.domain.identifiers import luhn_ok, mod11_ok, redact, scan
from kexpwa.domain.textfold import fold, table, utf16_len
from tests.capture_helpers import sign_in
from tests.conftest import Client
from tests.support import UserFactory

VECTORS = Path(__file__).parent / "vectors"
DATES = st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 12, 31))
LAYOUTS = st.sampled_from(["{a}{b}", "{a} {b}", "{a}-{b}"])
AROUND = st.sampled_from([("", ""), ("CHI ", "."), ("seen (", ") today"), ("x\n", "\n")])


def _mod11_digit(d9: str) -> int | None:
    check = 11 - sum(int(c) * (10 - i) for i, c in enumerate(d9)) % 11
    return None if check == 10 else check % 11


@settings(max_examples=300, deadline=None)
@given(born=DATES, serial=st.integers(0, 999), layout=LAYOUTS, around=AROUND)
def test_every_valid_mod11_chi_is_caught(
    born: date, serial: int, layout: str, around: tuple[str, str]
) -> None:
    d9 = born.strftime("%d%m%y") + f"{serial:03d}"
    check = _mod11_digit(d9)
    if check is None:
        return  # no CHI number is issued with this serial
    number = layout.format(a=d9[:6], b=d9[6:] + str(check))
    text = around[0] + number + around[1]
    found = scan(text)
    assert [(f.detector, f.start, f.end, f.checked) for f in found] == [
        ("chi", len(around[0]), len(around[0]) + len(number), True)
    ]
    assert "mod-11" in found[0].label


@settings(max_examples=200, deadline=None)
@given(born=DATES, serial=st.integers(0, 999), layout=LAYOUTS)
def test_every_valid_mod10_chi_is_caught(born: date, serial: int, layout: str) -> None:
    d9 = born.strftime("%d%m%y") + f"{serial:03d}"
    last = next(str(d) for d in range(10) if luhn_ok(d9 + str(d)))
    found = scan("CHI " + layout.format(a=d9[:6], b=d9[6:] + last))
    assert [f.detector for f in found] == ["chi"]
    assert found[0].checked


@settings(max_examples=500, deadline=None)
@given(digits=st.text("0123456789", min_size=10, max_size=10), layout=LAYOUTS)
def test_ten_digits_failing_both_checks_are_never_chi(digits: str, layout: str) -> None:
    text = "ref " + layout.format(a=digits[:6], b=digits[6:])
    found = [f for f in scan(text) if f.detector == "chi"]
    if not mod11_ok(digits) and not luhn_ok(digits):
        assert found == []


FIRST = "ABCEGHJKLMNOPRSTWXYZ"
SECOND = "ABCEGHJKLMNPRSTWXYZ"


@settings(max_examples=300, deadline=None)
@given(
    first=st.sampled_from(FIRST),
    second=st.sampled_from(SECOND),
    digits=st.text("0123456789", min_size=6, max_size=6),
    suffix=st.sampled_from("ABCD"),
    spaced=st.booleans(),
    lower=st.booleans(),
)
def test_every_issued_nino_is_caught(
    first: str, second: str, digits: str, suffix: str, spaced: bool, lower: bool
) -> None:
    prefix = first + second
    sep = " " if spaced else ""
    number = sep.join([prefix, digits[:2], digits[2:4], digits[4:], suffix])
    if lower:
        number = number.lower()
    found = scan(f"NI: {number}.")
    if prefix in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
        assert found == []
    else:
        assert [(f.detector, f.start, f.end) for f in found] == [("nino", 4, 4 + len(number))]


PIECES = st.sampled_from(
    [*"0123456789 -()+/.:@", "44", "07", "0131", "EH6", "TD13", "AB", "born ", "DOB ", "April",
     "x", "mail", "example.org", "\u00a0", "\u2013", "\uff10", "\u0663", "\U0001f600", "é", "£"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_redaction_leaves_no_finding(text: str) -> None:
    redacted = redact(text)
    assert scan(redacted) == []
    for finding in scan(text):
        assert identifiers.TOKENS[finding.detector] in redacted


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_skipping_detectors_a_text_cannot_match_changes_no_finding(text: str) -> None:
    # The scan skips a detector whose pattern needs more digits (or an "@", or a date-of-birth
    # word) than the text holds; every pattern run on every text must find the same.
    folded = fold(text)
    assert identifiers._candidates(folded) == identifiers._candidates(folded, screen=False)


FILLER = st.sampled_from([" visit with the family", " ", "\n", " and then some more words" * 3])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, FILLER), max_size=60).map("".join))
def test_scanning_only_near_digits_changes_no_finding(text: str) -> None:
    # Long prose between the pieces: the stretches near digits are a real part of the text.
    folded = fold(text)
    assert identifiers._candidates(folded) == identifiers._candidates(folded, screen=False)


def test_the_vectors_find_the_same_with_and_without_the_screen() -> None:
    vectors = json.loads((VECTORS / "identifiers.json").read_text(encoding="utf-8"))
    texts = [case["text"] for case in vectors["cases"]]
    assert texts
    for text in texts:
        folded = fold(text)
        assert identifiers._candidates(folded) == identifiers._candidates(folded, screen=False)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_the_fold_is_ascii_and_keeps_utf16_length(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert len(folded) == utf16_len(text) == len(text.encode("utf-16-le")) // 2


def test_findings_are_sorted_and_never_overlap() -> None:
    text = "0131 496 0000 and EH6 4AB, 07700 900123 jo@example.org born 3/4/2015 " * 3
    found = scan(text)
    assert len(found) == 15
    assert all(a.end <= b.start for a, b in pairwise(found))


def test_the_served_fold_table_is_the_fold() -> None:
    expanded = {}
    for first, last, target, step in table():
        for k in range(last - first + 1):
            expanded[first + k] = chr(target + k * step)
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        assert fold(chr(cp)) == expanded.get(cp, "~"), hex(cp)


def test_the_rules_compile_as_python_and_say_what_the_phone_needs() -> None:
    rules = identifiers.rules()
    assert [d["name"] for d in rules["detectors"]] == list(identifiers.TOKENS)
    for d in rules["detectors"]:
        pattern = re.compile(d["pattern"])
        if d["group"]:  # the phone takes the group as the end of the match
            for text in ("born 3 April 2015.", "DOB: 03/04/15 x", "d.o.b. April 3, 2015"):
                match = pattern.search(text)
                assert match and match.end(d["group"]) == match.end()
        assert d["validator"] in identifiers.VALIDATORS
    assert set(identifiers.LABELS) >= {"chi", "nino", "postcode", "phone", "email", "dob"}
    assert "names" in rules["names_note"]


async def test_every_form_page_carries_the_rules(
    client: Client, app: Starlette, users: UserFactory
) -> None:
    """The rules go where a form is scanned before it is saved (js/form.js); a page without
    such a form goes without them (tests/test_assets.py lists which)."""
    page = await client.get("/login")
    match = re.search(r'<script type="application/json" id="kx-config">(.*?)</script>', page.text)
    assert match and json.loads(match.group(1))["identifiers"] is None
    await sign_in(client, users)
    page = await client.get("/notes/new")
    match = re.search(r'<script type="application/json" id="kx-config">(.*?)</script>', page.text)
    assert match
    assert json.loads(match.group(1))["identifiers"] == json.loads(json.dumps(identifiers.rules()))

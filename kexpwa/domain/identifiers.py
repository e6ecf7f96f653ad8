"""Likely identifiers of children and families in free text: CHI numbers, National Insurance
numbers, postcodes, phone numbers, email addresses and written dates of birth.

One rule set, two implementations. The rules are data (:func:`rules`): per detector a regular
expression that means the same in Python's ``re`` and JavaScript's ``RegExp`` with the ``u``
flag, plus the name of a validator that both sides implement (here and in
``static/js/page/identifiers.js``). Both scan the text folded to ASCII
(kexpwa.domain.textfold), so offsets are UTF-16 code units, as the phone counts them, and both
are held to ``tests/vectors/identifiers.json``.

Names can't be caught this way (:data:`NAMES_NOTE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kexpwa.domain.textfold import fold, table, utf16_to_index

NAMES_NOTE = (
    "These checks can't catch names, nicknames or descriptions that point to a family: "
    "please read your entry again yourself."
)

# What a finding looks like, for people. Keys are detectors, or a validator's variant of one.
LABELS: dict[str, str] = {
    "chi": "looks like a CHI number",
    "chi_mod11": "looks like a CHI number (its check digit is valid: mod-11)",
    "chi_mod10": "looks like a CHI number (its check digit is valid: mod-10)",
    "nino": "looks like a National Insurance number",
    "postcode": "looks like a postcode",
    "postcode_local": "looks like a postcode in Edinburgh or East Lothian",
    "phone": "looks like a phone number",
    "email": "looks like an email address",
    "dob": "looks like a date of birth",
}

# What the research export writes in place of a match.
TOKENS: dict[str, str] = {
    "chi": "[CHI]",
    "nino": "[NINO]",
    "postcode": "[POSTCODE]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "dob": "[DOB]",
}


def _ci(word: str) -> str:
    """A case-insensitive spelling of an ASCII word without the ``i`` flag (whose meaning
    differs between the two engines for non-ASCII text)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else _escape(c) for c in word)


def _escape(c: str) -> str:
    """``re.escape`` escapes a space, which JavaScript's ``u`` flag refuses."""
    return "\\" + c if c in "\\^$.|?*+()[]{}/-" else c


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
).split("|")
_MONTH = "(?:" + "|".join(_ci(m) for m in _MONTHS) + r")\.?"
_ORD = "(?:[Ss][Tt]|[Nn][Dd]|[Rr][Dd]|[Tt][Hh])?"
_INTRO = (
    "(?:"
    + "|".join(
        [
            _ci("date of birth"),
            _ci("born"),
            _ci("dob"),
            r"[Dd]\.[Oo]\.[Bb]\.?",
        ]
    )
    + ")"
)
_LINK = (
    r"[ \t]*[:\-,]?[ \t]*"
    + "(?:(?:"
    + "|".join(_ci(w) for w in ("is", "was", "on"))
    + r")[ \t]+)?"
    + "(?:"
    + _ci("the")
    + r"[ \t]+)?"
)
_NUMERIC_DATE = r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})"
_WRITTEN_DATE = (
    r"[0-9]{1,2}" + _ORD + r"[ \t]+(?:" + _ci("of") + r"[ \t]+)?" + _MONTH + r",?[ \t]+[0-9]{4}"
)
_US_WRITTEN_DATE = _MONTH + r"[ \t]+[0-9]{1,2}" + _ORD + r",?[ \t]+[0-9]{4}"

_NOT_WORD_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_WORD_AFTER = r"(?![0-9A-Za-z])"
_INWARD = "[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]"

# Order matters only for ties (two detectors matching the same span from the same start).
DETECTORS: tuple[tuple[str, str, str, int], ...] = (
    # (detector, pattern, validator, the group holding the finding: 0 for the whole match)
    (
        "chi",
        _NOT_WORD_BEFORE
        + r"(?:[0-9]{6}[ \-]?[0-9]{4}"
        + r"|[0-9]{2}[ \-][0-9]{2}[ \-][0-9]{2}[ \-]?[0-9]{4}"
        + r"|[0-9]{3}[ \-][0-9]{3}[ \-][0-9]{4})"
        + _NOT_WORD_AFTER,
        "chi",
        0,
    ),
    (
        "nino",
        _NOT_WORD_BEFORE
        + r"[A-CEGHJ-PR-TW-Za-ceghj-pr-tw-z][A-CEGHJ-NPR-TW-Za-ceghj-npr-tw-z]"
        + r"[ \-]?[0-9]{2}[ \-]?[0-9]{2}[ \-]?[0-9]{2}[ \-]?[A-Da-d]"
        + _NOT_WORD_AFTER,
        "nino",
        0,
    ),
    (
        "postcode",
        _NOT_WORD_BEFORE
        + r"[A-Za-z]{1,2}[0-9][0-9A-Za-z]?[ ]?[0-9]"
        + _INWARD
        + "{2}"
        + _NOT_WORD_AFTER,
        "postcode",
        0,
    ),
    (
        "phone",
        r"(?<![0-9A-Za-z+$])"
        + r"(?:(?:\+|00)44[ \-]?(?:\(0\)[ \-]?)?[1237]|\(0[1237][0-9]{1,4}\)|0[1237])"
        + r"(?:[ \-]?[0-9]){6,10}"
        + r"(?![0-9])",
        "phone",
        0,
    ),
    (
        "email",
        r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
        + r"\.[A-Za-z]{2,}"
        + _NOT_WORD_AFTER,
        "none",
        0,
    ),
    (
        "dob",
        r"(?<![A-Za-z])"
        + _INTRO
        + _LINK
        + "("
        + _NUMERIC_DATE
        + "|"
        + _WRITTEN_DATE
        + "|"
        + _US_WRITTEN_DATE
        + ")"
        + r"(?![0-9])",
        "dob",
        1,
    ),
)


@dataclass(frozen=True)
class Finding:
    """One likely identifier: ``start``/``end`` are UTF-16 code-unit offsets into the text
    (what the phone counts), ``checked`` says a check digit was verified, ``strong`` marks a
    postcode in the two councils' districts."""

    detector: str
    start: int
    end: int
    checked: bool
    strong: bool
    label: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "start": self.start,
            "end": self.end,
            "checked": self.checked,
            "strong": self.strong,
            "label": self.label,
        }


# --- validators: each takes the matched (folded) text and answers None (not a finding) or
# (checked, strong, label key). static/js/page/identifiers.js has the same functions.


def _digits(text: str) -> str:
    return "".join(c for c in text if "0" <= c <= "9")


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _valid_date(day: int, month: int, year: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _days_in(month, year)


def mod11_ok(digits: str) -> bool:
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _chi(text: str) -> tuple[bool, bool, str] | None:
    digits = _digits(text)
    # A two-digit year: 2000 + YY decides 29 February (00 is a leap year in 2000).
    if not _valid_date(int(digits[0:2]), int(digits[2:4]), 2000 + int(digits[4:6])):
        return None
    if mod11_ok(digits):
        return (True, False, "chi_mod11")
    if luhn_ok(digits):
        return (True, False, "chi_mod10")
    return None


_UNISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _nino(text: str) -> tuple[bool, bool, str] | None:
    if text[:2].upper() in _UNISSUED:
        return None
    return (False, False, "nino")


# Edinburgh (EH1-EH17) and East Lothian (EH21, EH31-EH36, EH39-EH42, TD13): DOMAIN.md.
_LOCAL_DISTRICTS = {f"EH{n}" for n in [*range(1, 18), 21, *range(31, 37), *range(39, 43)]}
_LOCAL_DISTRICTS.add("TD13")


def _postcode(text: str) -> tuple[bool, bool, str] | None:
    outward = text.replace(" ", "")[:-3].upper()
    if outward in _LOCAL_DISTRICTS:
        return (False, True, "postcode_local")
    return (False, False, "postcode")


def _phone(text: str) -> tuple[bool, bool, str] | None:
    digits = _digits(text)
    if text.startswith(("+", "00")):
        national = digits[2:] if text.startswith("+") else digits[4:]
        if "(0)" in text:
            national = national[1:]
        ok = len(national) == 10
    else:
        ok = len(digits) == 11
    return (False, False, "phone") if ok else None


_MONTH_NUMBERS = {m: i % 12 + 1 for i, m in enumerate(_MONTHS[:12])}
_MONTH_NUMBERS.update({"sept": 9, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7})
_MONTH_NUMBERS.update({"aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12})
_DATE_PARTS = re.compile(r"[0-9]+|[A-Za-z]+")


def _dob(text: str) -> tuple[bool, bool, str] | None:
    parts = _DATE_PARTS.findall(text)
    numbers = [int(p) for p in parts if p.isdigit()]
    names = [_MONTH_NUMBERS[p.lower()] for p in parts if p.lower() in _MONTH_NUMBERS]
    if names:
        day, year, month = numbers[0], numbers[-1], names[0]
    else:
        day, month, year = numbers
        if len(parts[2]) == 2:
            year += 2000
    if not 1900 <= year <= 2099 or not _valid_date(day, month, year):
        return None
    return (False, False, "dob")


def _none(text: str) -> tuple[bool, bool, str] | None:
    return (False, False, "")


VALIDATORS = {
    "chi": _chi,
    "nino": _nino,
    "postcode": _postcode,
    "phone": _phone,
    "dob": _dob,
    "none": _none,
}


_NEEDED = re.compile("[0-9@]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str], str, int], ...]:
    return tuple((name, re.compile(src), val, group) for name, src, val, group in DETECTORS)


# What each detector's pattern cannot match without, so a text lacking it skips that pattern
# (each pattern costs a pass over the text, trying its lookbehind at every position: about
# 0.3 ms per detector for 2 KB; most notes have few digits and no "@"). The fewest ASCII digits
# any match holds: chi 10; nino 6; postcode 2 (outward and inward each have one); phone 8
# ("0" and [1237], then six more); dob 4 (d/m/yy). An email needs "@" and a date of birth one
# of its lead-in words (``_INTRO``, lowercased: lowering a folded text keeps every ASCII match).
_FEWEST_DIGITS = {"chi": 10, "nino": 6, "postcode": 2, "phone": 8, "dob": 4, "email": 0}
_DOB_WORDS = ("date of birth", "born", "dob", "d.o.b")


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _digit_count(folded: str) -> int:
    # One C-level pass (str.translate deleting the digits): about a tenth of counting each
    # digit in turn or of a regex search for the first, on a note of prose.
    return len(folded) - len(folded.translate(_NO_DIGITS))


def _possible(folded: str, digits: int) -> set[str]:
    """The detectors that could match ``folded``, which holds ``digits`` ASCII digits (a
    superset of those that do)."""
    out = {name for name, fewest in _FEWEST_DIGITS.items() if digits >= fewest}
    if "@" not in folded:
        out.discard("email")
    if "dob" in out:
        lowered = folded.lower()
        if not any(word in lowered for word in _DOB_WORDS):
            out.discard("dob")
    return out


# Near a digit: chi, nino, postcode and phone matches each hold a digit and are at most 30
# characters long (phone: "00 44 (0) 7" and ten more digits with separators; chi and nino 13;
# postcode 8), so each lies within 30 characters of a digit it holds, and its lookbehind and
# lookahead look one further. Those four run only over the stretches of text within
# :data:`_REACH` of a digit (a note of prose with a date and a time in it is mostly skipped).
# ``finditer(text, pos, endpos)`` looks behind ``pos``, and a stretch ends past every match's
# lookahead, so each stretch finds what the whole text's scan finds there. A date of birth's
# lead-in can be followed by any run of spaces, so "dob" and "email" scan the whole text.
_NEAR_DIGITS = frozenset({"chi", "nino", "postcode", "phone"})
_REACH = 32
_DIGIT_RUNS = re.compile("[0-9]+")


def _stretches(folded: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for run in _DIGIT_RUNS.finditer(folded):
        start, end = max(0, run.start() - _REACH), min(len(folded), run.end() + _REACH)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _candidates(
    folded: str, *, screen: bool = True
) -> list[tuple[int, int, int, str, bool, bool, str]]:
    found = []
    whole = [(0, len(folded))]
    possible: set[str] | None = None
    near = whole
    if screen:
        possible = _possible(folded, _digit_count(folded))
        near = _stretches(folded) if possible & _NEAR_DIGITS else []
    for order, (name, pattern, validator, group) in enumerate(_compiled()):
        if possible is not None and name not in possible:
            continue
        spans = near if name in _NEAR_DIGITS else whole
        matches = (m for pos, endpos in spans for m in pattern.finditer(folded, pos, endpos))
        for match in matches:
            start, end = match.span(group)
            verdict = VALIDATORS[validator](folded[start:end])
            if verdict is None:
                continue
            checked, strong, key = verdict
            found.append((start, end, order, name, checked, strong, LABELS[key or name]))
    return found


def scan(text: str) -> list[Finding]:
    """The likely identifiers in ``text``, in order, never overlapping: where two detectors
    match overlapping text, the one starting first wins, then the longer, then the earlier in
    :data:`DETECTORS`. Offsets are UTF-16 code units."""
    found = _candidates(fold(text))
    found.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[2]))
    out: list[Finding] = []
    reached = 0
    for start, end, _order, name, checked, strong, label in found:
        if start >= reached:
            out.append(Finding(name, start, end, checked, strong, label))
            reached = end
    return out


def redact(text: str) -> str:
    """``text`` with every finding replaced by its token (``[CHI]``, ``[NINO]``, ``[POSTCODE]``,
    ``[PHONE]``, ``[EMAIL]``, ``[DOB]``): the research export's text hook. It redacts whatever
    the owner answered to the warning."""
    if not _NEEDED.search(text) and not _NEEDED.search(fold(text)):
        return text  # every detector's match holds a digit or "@" once folded
    findings = scan(text)
    if not findings:
        return text
    # UTF-16 offsets are Python indices unless the text has astral characters (emoji): only
    # then is the (per-character) index built.
    index = utf16_to_index(text) if _ASTRAL.search(text) else None
    out: list[str] = []
    at = 0
    for f in findings:
        start = index[f.start] if index else f.start
        end = index[f.end] if index else f.end
        out.append(text[at:start])
        out.append(TOKENS[f.detector])
        at = end
    out.append(text[at:])
    return "".join(out)


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """What the phone needs to run the same scan: ``{"detectors": [{"name", "pattern",
    "validator", "group"}], "labels", "fold": [[first, last, target, step], ...],
    "names_note"}``. Patterns are for ``new RegExp(pattern, "gu")``; a rule's ``group``, when
    not 0, ends its match (only lookaheads follow it), so the phone finds its offsets without
    the regular expression ``d`` flag."""
    return {
        "detectors": [
            {"name": name, "pattern": src, "validator": val, "group": group}
            for name, src, val, group in DETECTORS
        ],
        "labels": dict(LABELS),
        "fold": [list(r) for r in table()],
        "names_note": NAMES_NOTE,
    }

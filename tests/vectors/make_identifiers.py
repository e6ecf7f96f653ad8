"""Writes tests/vectors/identifiers.json: the cases both identifier scanners are held to
(kexpwa/domain/identifiers.py in pytest, static/js/page/identifiers.js in Chromium).

Every expected finding is known by construction (where the identifier was put into the text),
never by running a scanner, so the vectors can catch the Python side too. Run it again after
changing the cases:

    .venv/bin/python tests/vectors/make_identifiers.py
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("identifiers.json")
LABEL = {
    "chi_mod11": "looks like a CHI number (its check digit is valid: mod-11)",
    "chi_mod10": "looks like a CHI number (its check digit is valid: mod-10)",
    "nino": "looks like a National Insurance number",
    "postcode": "looks like a postcode",
    "postcode_local": "looks like a postcode in Edinburgh or East Lothian",
    "phone": "looks like a phone number",
    "email": "looks like an email address",
    "dob": "looks like a date of birth",
}
rng = random.Random(15)
cases: list[dict[str, Any]] = []


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def case(kind: str, parts: list[tuple[str, str | None]]) -> None:
    """``parts``: text pieces, each with the label key of the finding it is (or None)."""
    text = ""
    findings = []
    for piece, key in parts:
        if key is not None:
            detector = key.split("_")[0]
            findings.append(
                {
                    "detector": detector,
                    "start": u16(text),
                    "end": u16(text) + u16(piece),
                    "checked": detector == "chi",
                    "strong": key == "postcode_local",
                    "label": LABEL[key],
                }
            )
        text += piece
    cases.append({"kind": kind, "text": text, "findings": findings})


def none(kind: str, text: str) -> None:
    case(kind, [(text, None)])


# --- CHI numbers


def mod11(d9: str) -> int | None:
    check = 11 - sum(int(c) * (10 - i) for i, c in enumerate(d9)) % 11
    return None if check == 10 else (0 if check == 11 else check)


def luhn_ok(d: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(d)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def birth() -> str:
    day = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 95))
    return day.strftime("%d%m%y")


def chi_mod11() -> str:
    while True:
        d9 = birth() + "".join(rng.choice("0123456789") for _ in range(3))
        check = mod11(d9)
        if check is not None:
            return d9 + str(check)


def chi_mod10_only() -> str:
    while True:
        d9 = birth() + "".join(rng.choice("0123456789") for _ in range(3))
        for last in "0123456789":
            if luhn_ok(d9 + last) and mod11(d9) != int(last):
                return d9 + last


def chi_failing(d9: str | None = None) -> str:
    d9 = d9 or birth() + "".join(rng.choice("0123456789") for _ in range(3))
    for last in "0123456789":
        if mod11(d9) != int(last) and not luhn_ok(d9 + last):
            return d9 + last
    raise AssertionError("no failing digit")


def chi_layouts(d: str) -> list[str]:
    return [
        d,
        f"{d[:6]} {d[6:]}",
        f"{d[:6]}-{d[6:]}",
        f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
        f"{d[:3]} {d[3:6]} {d[6:]}",
        f"{d[:2]}-{d[2:4]}-{d[4:6]}-{d[6:]}",
    ]


CONTEXTS = [
    ("", ""),
    ("CHI ", " noted"),
    ("Child's CHI: ", "."),
    ("(", ")"),
    ("seen at clinic, chi no. ", ", mum present"),
    ("ref ", "\n"),
]
for _ in range(40):
    number = chi_mod11()
    layout = rng.choice(chi_layouts(number))
    before, after = rng.choice(CONTEXTS)
    case("chi", [(before, None), (layout, "chi_mod11"), (after, None)])
for _ in range(15):
    number = chi_mod10_only()
    layout = rng.choice(chi_layouts(number))
    before, after = rng.choice(CONTEXTS)
    case("chi mod-10", [(before, None), (layout, "chi_mod10"), (after, None)])
for _ in range(20):
    none("chi near miss: both checks fail", "CHI " + rng.choice(chi_layouts(chi_failing())))
for bad_date in ("320199", "311199", "290223", "001299", "150099", "311305", "300290"):
    none("chi near miss: impossible date", "CHI " + chi_failing(bad_date + "123"))
    d9 = bad_date + "123"
    check = mod11(d9)
    if check is not None:
        none("chi near miss: impossible date, valid mod-11", "CHI " + d9 + str(check))
for _ in range(12):
    while True:
        invoice = str(rng.randrange(4_000_000_000, 9_999_999_999))
        if not (mod11(invoice[:9]) == int(invoice[9]) or luhn_ok(invoice)):
            break
    none("chi near miss: invoice number", f"Invoice {invoice} paid")
good = chi_mod11()
none("chi near miss: eleven digits", "Ref 4" + good)
none("chi near miss: nine digits", "Ref " + good[:9])
none("chi near miss: inside a word", "id" + good + "x")
none("chi near miss: part of a longer code", "A" + good)
for d9 in ("290200", "290296"):
    for tail in ("111", "222", "333", "444", "555"):
        check = mod11(d9 + tail)
        if check is not None:
            case("chi leap day", [("born ", None), (d9 + tail + str(check), "chi_mod11")])
            break

# --- National Insurance numbers
FIRST = "ABCEGHJKLMNOPRSTWXYZ"
SECOND = "ABCEGHJKLMNPRSTWXYZ"
UNISSUED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino() -> str:
    while True:
        prefix = rng.choice(FIRST) + rng.choice(SECOND)
        if prefix not in UNISSUED:
            digits = "".join(rng.choice("0123456789") for _ in range(6))
            return prefix + digits + rng.choice("ABCD")


def nino_layouts(n: str) -> list[str]:
    return [
        n,
        f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8]}",
        f"{n[:2]}{n[2:8]} {n[8]}",
        f"{n[:2]} {n[2:8]} {n[8]}",
        n.lower(),
        f"{n[:2]}-{n[2:4]}-{n[4:6]}-{n[6:8]}-{n[8]}",
    ]


for _ in range(40):
    before, after = rng.choice([("NI ", ""), ("NINO: ", "."), ("", " on file"), ("(", ")")])
    case("nino", [(before, None), (rng.choice(nino_layouts(nino())), "nino"), (after, None)])
for first in "DFIQUV":
    none("nino near miss: first letter never issued", f"NI {first}A123456C")
for second in "DFIOQUV":
    none("nino near miss: second letter never issued", f"NI A{second}123456C")
for prefix in sorted(UNISSUED):
    none("nino near miss: prefix not issued", f"NI {prefix} 12 34 56 A")
none("nino near miss: specimen QQ", "QQ 12 34 56 A")
none("nino near miss: suffix E", "NI AB123456E")
none("nino near miss: seven digits", "NI AB1234567C")
none("nino near miss: five digits", "NI AB12345C")
none("nino near miss: inside a word", "XAB123456C")

# --- postcodes
LOCAL = [f"EH{n}" for n in [*range(1, 18), 21, *range(31, 37), *range(39, 43)]] + ["TD13"]
ELSEWHERE = ["G12", "AB10", "EC1A", "M1", "W1A", "KY1", "TD1", "EH18", "EH22", "EH47", "B33"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def inward() -> str:
    return rng.choice("0123456789") + rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)


for outward in LOCAL:
    before, after = rng.choice([("lives at ", ""), ("", " (home)"), ("moved to ", ", flat 2")])
    code = f"{outward} {inward()}"
    if rng.random() < 0.25:
        code = code.replace(" ", "")
    if rng.random() < 0.2:
        code = code.lower()
    case("postcode local", [(before, None), (code, "postcode_local"), (after, None)])
for outward in ELSEWHERE * 2:
    case("postcode", [("address ", None), (f"{outward} {inward()}", "postcode"), (".", None)])
for text in ("the EH6 area", "in EH12 and EH4", "TD13 is rural", "near G12"):
    none("postcode near miss: outward code only", text)
for bad in "CIKMOV":
    none("postcode near miss: inward letter never used", f"EH6 4A{bad}")
    none("postcode near miss: inward letter never used", f"EH6 4{bad}B")
none("postcode near miss: no inward digit", "EH6 AAB")
none("postcode near miss: inside a word", "XEH64ABX")

# --- phone numbers
for _ in range(4):
    m = "07" + "".join(rng.choice("0123456789") for _ in range(9))
    e = "131" + "".join(rng.choice("0123456789") for _ in range(7))
    for form in (
        m,
        f"{m[:5]} {m[5:]}",
        f"{m[:5]} {m[5:8]} {m[8:]}",
        f"+44 {m[1:5]} {m[5:]}",
        f"+44{m[1:]}",
        f"0044 {m[1:5]} {m[5:]}",
        f"0{e}",
        f"0{e[:3]} {e[3:6]} {e[6:]}",
        f"(0{e[:3]}) {e[3:6]} {e[6:]}",
        f"0{e[:3]}-{e[3:6]}-{e[6:]}",
        f"+44 (0){e[:3]} {e[3:6]} {e[6:]}",
        f"+44 {e[:3]} {e[3:6]} {e[6:]}",
    ):
        before, after = rng.choice(
            [("call ", ""), ("mob: ", "."), ("", " after 5"), ("tel ", "\n")]
        )
        case("phone", [(before, None), (form, "phone"), (after, None)])
for form in ("020 7946 0000", "02079460000", "0300 123 4567", "01875 123456", "01620 824 000"):
    case("phone", [("office ", None), (form, "phone")])
for text in (
    "visit at 07:45",
    "from 07.45 to 09.30",
    "07:45 - 08:30",
    "paid £0.07",
    "£1,234,567.89 total",
    "cost £07700900123",
    "0800 123 4567 freephone",
    "0770090012",
    "07700 90012",
    "code 1234567890",
    "07700 900 12",
    "+45 7700 900123",
):
    none("phone near miss", text)

# --- email addresses
for address in (
    "jo.bloggs@example.org",
    "J.Bloggs+school@mail.example.co.uk",
    "family_2015@example.com",
    "x@y.scot",
    "MUM.SMITH@EXAMPLE.NET",
    "a-b@sub.domain.example.org",
):
    for before, after in (("email ", ""), ("(", ")"), ("", ", ask first")):
        case("email", [(before, None), (address, "email"), (after, None)])
for text in ("a@b", "@handle on social media", "name at example dot com", "user@localhost"):
    none("email near miss", text)

# --- dates of birth written out
DOB_CASES = [
    ("DOB ", "3/4/2015"),
    ("DOB: ", "03/04/15"),
    ("dob ", "3.4.2015"),
    ("d.o.b. ", "12-11-2009"),
    ("D.O.B ", "1/1/2001"),
    ("D.O.B: ", "29/02/2016"),
    ("born ", "3 April 2015"),
    ("Born on ", "3rd April 2015"),
    ("born on the ", "3rd of April 2015"),
    ("born ", "April 3, 2015"),
    ("born ", "Sept 21st 1999"),
    ("born ", "21 Sept. 1999"),
    ("date of birth: ", "12/11/2009"),
    ("Date of Birth is ", "1 Dec 1987"),
    ("date of birth was ", "31.12.1999"),
    ("DOB - ", "15/6/2012"),
    ("born ", "29 february 2000"),
]
for before, when in DOB_CASES:
    case("dob", [("Child " + before, None), (when, "dob"), (" (check)", None)])
for text in (
    "visited 3/4/2015",
    "meeting 3 April 2015",
    "born 31/4/2015",
    "DOB 3/13/2015",
    "born 29 February 2015",
    "born in 1850",
    "born 3 April 1899",
    "born 3 April 2100",
    "born in Leith",
    "stubborn 3/4/2015",
    "Dobson 3/4/2015",
    "born 0/4/2015",
):
    none("dob near miss", text)

# --- Unicode digits, separators and characters before a match
chi = chi_mod11()
fullwidth = "".join(chr(0xFF10 + int(c)) for c in chi)
case("unicode: fullwidth digits", [("CHI ", None), (fullwidth, "chi_mod11")])
arabic = "".join(chr(0x0660 + int(c)) for c in chi)
case("unicode: Arabic-Indic digits", [("CHI ", None), (arabic, "chi_mod11")])
deva = "".join(chr(0x0966 + int(c)) for c in chi)
case("unicode: Devanagari digits", [("CHI ", None), (deva, "chi_mod11")])
for sep in ("\u2013", "\u2011", "\u2212", "\u00a0", "\u202f", "\u2009"):
    case("unicode: separators", [("CHI ", None), (chi[:6] + sep + chi[6:], "chi_mod11")])
    if sep in ("\u00a0", "\u202f", "\u2009"):
        case("unicode: separators", [("", None), ("EH6" + sep + "4AB", "postcode_local")])
    case("unicode: separators", [("tel ", None), ("07700" + sep + "900123", "phone")])
case(
    "unicode: fullwidth postcode",
    [("", None), ("\uff25\uff28\uff16 \uff14\uff21\uff22", "postcode_local")],
)
case("unicode: fullwidth plus", [("", None), ("\uff0b44 7700 900123", "phone")])
for astral in (
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U00020000",
    "\U0001d7ce",
):
    case(
        "unicode: astral before",
        [(astral + " CHI ", None), (chi, "chi_mod11"), (" " + astral, None)],
    )
    case("unicode: astral before", [(astral * 3, None), (" ", None), ("EH6 4AB", "postcode_local")])
    case("unicode: astral before", [("Ж" + astral, None), ("jo@example.org", "email")])
    case("unicode: astral before", [(astral + "born ", None), ("3/4/2015", "dob")])
case(
    "unicode: accented text around",
    [("Zoë's mum, José, ", None), ("07700 900123", "phone"), (" café", None)],
)
none(
    "unicode: mathematical digits are not folded",
    "CHI " + "".join(chr(0x1D7CE + int(c)) for c in chi),
)
none("unicode: superscript digits are not decimal", "CHI " + "\u00b9\u00b2\u00b3" + chi[3:])

# --- several in one entry, and plain text
case(
    "several",
    [
        ("Visited ", None),
        ("EH6 4AB", "postcode_local"),
        (" with mum (", None),
        ("07700 900123", "phone"),
        ("). CHI ", None),
        (chi, "chi_mod11"),
        (", NI ", None),
        ("AB 12 34 56 C", "nino"),
        (", email ", None),
        ("mum@example.org", "email"),
        (", born ", None),
        ("3 April 2015", "dob"),
        (".", None),
    ],
)
for text in (
    "",
    "Reflected on the visit: I assumed the family would be hostile; they were not.",
    "Supervision 45 minutes, own time.",
    "Read chapter 3 of Fook & Gardner (2007), pages 12-45.",
    "Training 09:30-16:00 in room 2.01.",
    "Ages 3, 7 and 11. Three visits in May 2024.",
    "Budget £1,200; claimed £45.60.",
    "Case reviewed 12/03/2024 at 14:00.",
):
    none("no identifiers", text)

if __name__ == "__main__":
    OUT.write_text(json.dumps({"cases": cases}, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(cases)} cases written to {OUT}")

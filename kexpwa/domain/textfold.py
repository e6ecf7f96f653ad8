"""Fold text to plain ASCII without changing its length in UTF-16 code units, so the identifier
rules (kexpwa.domain.identifiers) run on the same characters in Python and in the phone's
JavaScript, and an offset in the folded text is an offset in the original.

- ASCII stays as it is.
- A Unicode decimal digit (Arabic-Indic, fullwidth or Devanagari three) becomes its ASCII digit.
- A Unicode space (no-break space, thin space, line and paragraph separators) becomes " ".
- A Unicode dash (hyphen, en dash, em dash, minus sign) becomes "-".
- A currency sign ("£", "€") becomes "$", so "not money" rules see one sign.
- A fullwidth ASCII form (fullwidth "EH6") becomes its ASCII letter or sign.
- Anything else becomes "~" per UTF-16 unit: a character outside the Basic Multilingual Plane
  (an emoji, a mathematical digit) is two units in JavaScript, so it becomes "~~".

The table is built here from Python's ``unicodedata`` and served to the phone as data
(:func:`table`), so the phone folds by the same Unicode version as the server, whatever its
browser knows."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

OTHER = "~"
_EXTRA_SPACES = {0x85}  # NEXT LINE: a line break, not a category Z character
_EXTRA_DASHES = {0x2212}  # MINUS SIGN (category Sm) is written as a dash


def _fold_char(cp: int) -> str:
    """The one ASCII character a BMP code point folds to."""
    if cp < 0x80:
        return chr(cp)
    ch = chr(cp)
    if 0xFF01 <= cp <= 0xFF5E:  # fullwidth ASCII forms
        return chr(cp - 0xFEE0)
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    category = unicodedata.category(ch)
    if category in ("Zs", "Zl", "Zp") or cp in _EXTRA_SPACES:
        return " "
    if category == "Pd" or cp in _EXTRA_DASHES:
        return "-"
    if category == "Sc":
        return "$"
    return OTHER


class _Fold(dict[int, str]):
    """A ``str.translate`` table computed on demand: astral characters become two units."""

    def __missing__(self, cp: int) -> str:
        out = _fold_char(cp) if cp <= 0xFFFF else OTHER * 2
        self[cp] = out
        return out


_TABLE = _Fold()


def fold(text: str) -> str:
    """``text`` folded to ASCII; ``len(fold(text)) == utf16_len(text)``."""
    if text.isascii():
        return text
    return text.translate(_TABLE)


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (JavaScript's ``length``)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_to_index(text: str) -> list[int]:
    """``index[u]``: the Python index of the character at UTF-16 offset ``u`` (for every offset
    up to and including the end; the second unit of a pair maps to its character)."""
    out: list[int] = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(i)
    out.append(len(text))
    return out


@lru_cache(maxsize=1)
def table() -> tuple[tuple[int, int, int, int], ...]:
    """The BMP fold as ranges for the phone: ``(first, last, target, step)``; the code point
    ``first + k`` folds to ``target + k * step``. Code points not in a range (and not ASCII)
    fold to "~"; a UTF-16 surrogate (half of an astral character) folds to "~" as well."""
    ranges: list[list[int]] = []
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        out = _fold_char(cp)
        if out == OTHER:
            continue
        target = ord(out)
        if ranges:
            first, last, start, step = ranges[-1]
            if cp == last + 1:
                expected = start + (cp - first) * step if step else start
                if last == first and target in (start, start + 1):
                    ranges[-1] = [first, cp, start, target - start]
                    continue
                if target == expected:
                    ranges[-1][1] = cp
                    continue
        ranges.append([cp, cp, target, 0])
    return tuple((a, b, c, d) for a, b, c, d in ranges)

"""The identifier scan (kexpwa.domain.identifiers) on the server, for a 20,000-character entry
(the note body's limit) with a few identifiers in it:

- ``scan``: ``identifiers.scan`` (fold, six patterns, validators, overlap);
- ``baseline``: one plain regular-expression pass over the same text (``[0-9]+``), in the same
  run; ``ratio_p50`` and ``ratio_p95`` are scan / baseline.

The phone's scan (static/js/page/identifiers.js) is measured in Chromium by ``bench offline``,
on the same text (:func:`entry`).
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from bench import harness
from bench.harness import Budget
from kexpwa.domain import identifiers

WORDS = (
    "visited the family at home with the support worker and talked about school attendance "
    "routines sleep and the plan agreed at the last review on 12/03/2024 at 14:00 mum said "
    "things were calmer since the move and the younger child was settling in nursery Ж café "
).split()
SPRINKLE = ["EH6 4AB", "07700 900123", "jo@example.org", "DOB 3/4/2015", "AB 12 34 56 C",
            "0131 496 0000", "£45.60", "07:45"]  # fmt: skip


def entry(length: int = 20_000, seed: int = 15) -> str:
    """A note body of ``length`` characters: prose with an identifier every 400 or so."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < length:
        piece = rng.choice(SPRINKLE) if rng.random() < 0.03 else rng.choice(WORDS)
        parts.append(piece)
        size += len(piece) + 1
    return " ".join(parts)[:length]


def timings(fn: Any, text: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(harness.percentile(values, 50), 3),
            "p95_ms": round(harness.percentile(values, 95), 3), "n": len(values)}  # fmt: skip


def run(budget: Budget | None = None) -> dict[str, Any]:
    budget = budget or Budget()
    text = entry()
    digits = re.compile("[0-9]+")
    runs = 200
    for _ in range(10):  # warm the compiled patterns
        identifiers.scan(text)
    scan = summary(timings(identifiers.scan, text, runs))
    baseline = summary(timings(digits.findall, text, runs))
    return harness.result(
        "identifiers",
        "Identifier scan of a 20,000-character entry on the server (Python)",
        budget,
        scan={**scan, "findings": len(identifiers.scan(text)), "characters": len(text)},
        baseline=baseline,
        ratios={"p50": round(scan["p50_ms"] / max(baseline["p50_ms"], 0.001), 1),
                "p95": round(scan["p95_ms"] / max(baseline["p95_ms"], 0.001), 1)},
    )  # fmt: skip

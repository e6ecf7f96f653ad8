"""Practitioner research stages (PROP handbook: Plan, Do, Analyse, Exchange) and sub-steps."""

from __future__ import annotations

STAGES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "plan": (
        "Plan",
        (
            ("question", "Research question"),
            ("literature", "Literature"),
            ("proposal", "Proposal"),
            ("ethics", "Ethics self-audit and consent"),
        ),
    ),
    "do": ("Do", (("fieldwork", "Fieldwork and data collection"),)),
    "analyse": ("Analyse", (("analysis", "Analysis"),)),
    "exchange": (
        "Exchange",
        (("report", "Report"), ("poster", "Poster"), ("presentation", "Presentation")),
    ),
}
ORDER = tuple(STAGES)


def label(stage: str, substep: str = "") -> str:
    name, steps = STAGES.get(stage, (stage, ()))
    sub = dict(steps).get(substep)
    return f"{name}: {sub}" if sub else name


def substeps(stage: str) -> tuple[tuple[str, str], ...]:
    return STAGES[stage][1] if stage in STAGES else ()

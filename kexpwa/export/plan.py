"""What an export is asked for (authorities, dates, types, generalisation), checked once for the
web form and the CLI alike. Bad input raises :class:`ExportError` with a message for people."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kexpwa.export.columns import TYPES

DATES = {"exact": "exact dates", "week": "ISO weeks (YYYY-Www)"}
MINUTES = {"exact": "exact minutes", "15": "rounded to the nearest 15 minutes"}
# Stated in the codebook: weeks are enough to compare councils over a programme, and a day
# can point at a visit; minutes stay exact because rounding distorts the time totals.
DEFAULT_DATES = "week"
DEFAULT_MINUTES = "exact"


class ExportError(ValueError):
    """The export cannot be made as asked (bad filters, an authority that does not answer)."""


class Unreachable(ExportError):
    """A chosen authority's database did not answer; the message names the council."""


@dataclass(frozen=True)
class Plan:
    authorities: tuple[str, ...]  # slugs, in the deployment's order
    types: tuple[str, ...]  # kinds, in TYPES order
    date_from: date | None = None
    date_to: date | None = None
    dates: str = DEFAULT_DATES
    minutes: str = DEFAULT_MINUTES
    # "Download my data": the person (of the single authority) whose rows these are, with no
    # pseudonyms and no generalisation; None for the research dataset.
    owner: uuid.UUID | None = None

    @property
    def research(self) -> bool:
        return self.owner is None

    def filters(self) -> dict[str, Any]:
        """The filters, as the manifest and the audit rows record them."""
        return {
            "authorities": list(self.authorities),
            "types": list(self.types),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "dates": self.dates,
            "minutes": self.minutes,
            "own_data": not self.research,
        }


def _date(value: str | None, label: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ExportError(f"{label} must be a date like 2026-03-31.") from None


def plan(
    known: Mapping[str, str],
    *,
    authorities: Iterable[str] = (),
    types: Iterable[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    dates: str | None = None,
    minutes: str | None = None,
) -> Plan:
    """A checked research plan. ``known``: the configured authorities (slug -> name), in order;
    no authority chosen means all of them, no type all four."""
    chosen = [a.strip() for a in authorities if a.strip()]
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise ExportError(f"There is no authority called {unknown[0][:40]!r}.")
    slugs = tuple(s for s in known if s in chosen) if chosen else tuple(known)
    wanted = [t.strip() for t in types if t.strip()]
    bad = [t for t in wanted if t not in TYPES]
    if bad:
        raise ExportError(
            f"{bad[0][:40]!r} is not a type to export; choose from {', '.join(TYPES)}."
        )
    kinds = tuple(t for t in TYPES if t in wanted) if wanted else TYPES
    start, end = _date(date_from, "From"), _date(date_to, "To")
    if start and end and start > end:
        raise ExportError("From must not be after To.")
    dates = dates or DEFAULT_DATES
    minutes = minutes or DEFAULT_MINUTES
    if dates not in DATES:
        raise ExportError("Dates must be exact or ISO weeks.")
    if minutes not in MINUTES:
        raise ExportError("Minutes must be exact or rounded to 15.")
    return Plan(slugs, kinds, start, end, dates, minutes)


def own(slug: str, owner: uuid.UUID) -> Plan:
    """ "Download my data": everything the person wrote, exact, in their own authority."""
    return Plan((slug,), TYPES, owner=owner, dates="exact", minutes="exact")

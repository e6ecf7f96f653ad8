"""The authority's audit log for its admin: filtered by person, event and dates, newest first,
a page at a time, or every match as CSV rows (streamed, never built whole in memory)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from kexpwa.domain.queries import Page
from kexpwa.models.account import User
from kexpwa.models.audit import AuditEvent

PAGE_SIZE = 50
CSV_HEADER = ("at", "action", "actor", "actor_role", "target_kind", "target", "detail")
# The events an admin filters by, with words for people (others still show, by their code).
EVENTS = {
    "signin": "Signed in",
    "signin.failed": "Sign-in failed",
    "signout": "Signed out",
    "user.created": "Person added",
    "users.imported": "People imported",
    "user.role_changed": "Role changed",
    "user.moved": "Team changed",
    "user.deactivated": "Deactivated",
    "user.activated": "Reactivated",
    "user.password_reset": "Temporary password set",
    "user.password_changed": "Password changed",
    "user.signed_out_everywhere": "Signed out everywhere",
    "session.ended": "Session ended by its owner",
    "team.created": "Team created",
    "team.renamed": "Team renamed",
    "team.leads_changed": "Team leads changed",
    "device.revoked": "Device revoked",
    "audit.exported": "Audit log downloaded",
    "team.overview_export": "Team table downloaded",
    "team.entry_read": "Shared entry read",
}


@dataclass(frozen=True)
class Filters:
    who: uuid.UUID | None = None  # a person's id (never a name in a URL)
    event: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, params: Any) -> Filters:
        """From query parameters; anything unparseable is ignored rather than an error."""
        try:
            who = uuid.UUID(str(params.get("who", ""))) if params.get("who") else None
        except ValueError:
            who = None
        event = str(params.get("event", ""))
        try:
            page = max(1, min(int(params.get("page", 1)), 10_000))
        except (TypeError, ValueError):
            page = 1
        return cls(
            who, event if event in EVENTS else "", _day(params, "from"), _day(params, "to"), page
        )

    def params(self, **change: Any) -> dict[str, str]:
        values = {
            "who": str(self.who or ""),
            "event": self.event,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            **change,
        }
        return {k: str(v) for k, v in values.items() if v not in ("", None, 1, "1")}


def _day(params: Any, name: str) -> date | None:
    try:
        return date.fromisoformat(str(params.get(name, "")))
    except ValueError:
        return None


async def _query(filters: Filters) -> QuerySet[AuditEvent]:
    query = AuditEvent.all()
    if filters.who:
        query = query.filter(Q(actor_id=filters.who) | Q(target_id=str(filters.who)))
    if filters.event:
        query = query.filter(action=filters.event)
    if filters.since:
        query = query.filter(at__gte=datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        query = query.filter(at__lt=end)
    return query.order_by("-id")


async def people() -> list[tuple[uuid.UUID, str]]:
    """(id, "username (name)") of everyone in the authority, for the person filter."""
    found = await User.all().order_by("username").values_list("id", "username", "display_name")
    return [(uuid.UUID(str(i)), f"{name} ({shown})") for i, name, shown in found]


async def names(ids: set[str]) -> dict[str, str]:
    """Usernames of the people these ids name (actors and targets)."""
    keys = []
    for raw in ids:
        try:
            keys.append(uuid.UUID(raw))
        except ValueError:
            continue
    found = await User.filter(id__in=keys).values_list("id", "username")
    return {str(i): name for i, name in found}


async def page(filters: Filters) -> tuple[Page, dict[str, str]]:
    """One page of matching events, newest first, and the usernames they name."""
    query = await _query(filters)
    total = await query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(filters.page, pages)
    events = list(await query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    ids = {str(e.actor_id) for e in events if e.actor_id} | {e.target_id for e in events}
    return Page(events, total, number, pages), await names(ids)


async def csv_rows(filters: Filters, batch: int = 500) -> AsyncIterator[tuple[str, ...]]:
    """Every matching event as a CSV row, newest first, read ``batch`` rows at a time."""
    query = await _query(filters)
    offset = 0
    while True:
        events = list(await query.offset(offset).limit(batch))
        if not events:
            return
        ids = {str(e.actor_id) for e in events if e.actor_id} | {e.target_id for e in events}
        known = await names(ids)
        for e in events:
            actor = known.get(str(e.actor_id), str(e.actor_id or ""))
            target = known.get(e.target_id, e.target_id)
            detail = ";".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
            yield (e.at.isoformat(), e.action, actor, e.actor_role, e.target_kind, target, detail)
        offset += batch

"""A team lead's pages (overview, shared entries, one entry, charts, the overview as CSV) and a
practitioner's "What my team lead can see", drawn by the same partials. Who sees what is
decided in kexpwa.domain.visibility; research accounts and admins never reach these views
(their routes' access rules), and a lead reads only members of the teams they lead."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kexpwa import audit
from kexpwa.domain import charts, days, journal_templates, queries, reading, registry, stages, team
from kexpwa.domain import visibility as vis
from kexpwa.models.account import Role, User
from kexpwa.views import feedback
from kexpwa.web.access import principal_of
from kexpwa.web.client import kept_ready
from kexpwa.web.templating import render


@dataclass(frozen=True)
class SharedFilters:
    """The shared list's search: words, one member, one kind; anything else is ignored."""

    q: str = ""
    who: uuid.UUID | None = None
    kind: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Any, members: Any, kinds: tuple[str, ...]) -> SharedFilters:
        base = queries.Filters.parse(params)
        try:
            who = uuid.UUID(str(params.get("who", ""))) if params.get("who") else None
        except ValueError:
            who = None
        kind = str(params.get("type", ""))
        return cls(
            q=base.q,
            who=who if who in members else None,
            kind=kind if kind in kinds else "",
            page=base.page,
        )

    def active(self) -> bool:
        return bool(self.q or self.who or self.kind)

    def params(self, **change: Any) -> dict[str, str]:
        values = {"q": self.q, "who": str(self.who or ""), "type": self.kind, **change}
        return {k: str(v) for k, v in values.items() if v not in ("", None, 1, "1")}


# What the member partial needs to draw the stage stepper.
ROW_CONTEXT = {"stage_order": stages.ORDER, "stage_label": stages.label}


def _settings(request: Request) -> Any:
    return request.app.state.settings


async def _lead(request: Request) -> vis.Reader:
    return await vis.reader_for(principal_of(request).id, Role.TEAM_LEAD)


async def index(request: Request) -> Response:
    """The overview: one row per member. Reading it writes no audit row."""
    _, rows = await team.overview(
        principal_of(request).id, days.today(), _settings(request).stale_sync_days
    )
    context = {"rows": rows, "lead_view": True, **ROW_CONTEXT}
    return render(request, "team/index.html", context)


async def _shared_page(
    reader: vis.Reader | None, owner_id: uuid.UUID | None, filters: SharedFilters
) -> queries.Page:
    bases = []
    owners = [filters.who] if filters.who else None
    for kind in vis.lead_kinds():
        if filters.kind and kind.name != filters.kind:
            continue
        if reader is not None:
            where = vis.shared_with_lead(reader, kind, owners)
        else:
            assert owner_id is not None
            where = vis.own_shared_with_lead(owner_id, kind)
        bases.append((kind, kind.model.filter(where)))
    plain = queries.Filters(q=filters.q, page=filters.page)
    total = None
    if not filters.q:  # without a search, the weekly tallies know how many (no row count)
        if reader is not None:
            whose = [m for m in vis.counted_by_lead(reader) if owners is None or m in owners]
        else:
            whose = [owner_id] if owner_id is not None else []
        total = await team.shared_total(whose, [kind.name for kind, _ in bases])
    return await queries.merged_page(bases, plain, total)


def _pager(
    request: Request, name: str, filters: SharedFilters, page: queries.Page
) -> dict[str, Any]:
    url = request.url_for(name)
    prev_url = next_url = None
    if page.page > 1:
        prev_url = str(url.include_query_params(**filters.params(page=page.page - 1)))
    if page.page < page.pages:
        next_url = str(url.include_query_params(**filters.params(page=page.page + 1)))
    return {"prev_url": prev_url, "next_url": next_url}


async def shared(request: Request) -> Response:
    """The notes and journal entries members share with the lead, newest first."""
    reader = await _lead(request)
    kinds = tuple(k.name for k in vis.lead_kinds())
    filters = SharedFilters.parse(request.query_params, reader.members, kinds)
    page = await _shared_page(reader, None, filters)
    read: set[tuple[str, uuid.UUID]] = set()
    for kind in vis.lead_kinds():
        ids = [item.record.id for item in page.items if item.kind is kind]
        read |= {(kind.name, rid) for rid in await reading.read_ids(reader.user_id, kind.name, ids)}
    context = {
        "page": page,
        "filters": filters,
        "members": sorted(reader.members.items(), key=lambda m: m[1].lower()),
        "names": reader.members,
        "kinds": vis.lead_kinds(),
        "read": read,
        "lead_view": True,
        **_pager(request, "team_shared", filters, page),
    }
    return render(request, "team/shared.html", context, partial="team/_shared_list.html")


def _kind(request: Request) -> Any:
    name = str(request.path_params["kind"])
    kind = registry.get(name)
    if kind is None or kind not in vis.lead_kinds():
        raise HTTPException(404)
    return kind


async def entry(request: Request) -> Response:
    """One shared entry, read-only, with its feedback thread and a form to add to it. Marks it
    read and writes ``team.entry_read``. Private,
    withdrawn, deleted, another team's or the lead's own: 404, nothing written."""
    kind = _kind(request)
    reader = await _lead(request)
    record_id = request.path_params["id"]
    record = await kind.model.filter(vis.shared_with_lead(reader, kind), id=record_id).first()
    if record is None:
        raise HTTPException(404)
    if not kept_ready(request):  # the worker refreshing a page the lead opened (and was audited)
        await reading.mark_read(reader.user_id, kind.name, record.id)
        await audit.record(
            "team.entry_read",
            actor_id=reader.user_id,
            actor_role=Role.TEAM_LEAD.value,
            target_kind=kind.name,
            target_id=record.id,
        )
    template = journal_templates.get(record.template) if kind.name == "journal" else None
    context = {
        "kind": kind,
        "record": record,
        "owner": reader.members[record.owner_id],
        "template": template,
        **await feedback.context(request, reader, kind.name, record),
    }
    return render(request, "team/entry.html", context)


async def charts_page(request: Request) -> Response:
    """Hours per week (12 weeks, work and own time) and the team's stages, each with a table."""
    reader = await _lead(request)
    owners = vis.counted_by_lead(reader)
    today = days.today()
    hours = await charts.hours_per_week(owners, today)
    projects = await team.current_stages(owners)
    stage = charts.stage_chart([projects.get(uid, "") for uid in owners])
    return render(request, "team/charts.html", {"hours": hours, "stages": stage})


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def overview_csv(request: Request) -> Response:
    """The overview as CSV: counts and hours only, never content. Audited."""
    principal = principal_of(request)
    _, rows = await team.overview(principal.id, days.today(), _settings(request).stale_sync_days)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Member", "Stage", "Stage since", "Notes this month", "Notes in total",
            "Journal entries this month", "Journal entries in total", "Work hours (4 weeks)",
            "Own hours (4 weeks)", "Last sync", "Not synced recently", "Shared, unread",
        ]
    )  # fmt: skip
    for row in rows:
        writer.writerow(
            [
                _cell(row.name), row.stage_label,
                row.stage_since.date().isoformat() if row.stage_since else "",
                row.month["note"], row.total["note"], row.month["journal"], row.total["journal"],
                f"{row.work / 60:.2f}", f"{row.own / 60:.2f}",
                row.last_sync.date().isoformat() if row.last_sync else "",
                "yes" if row.stale else "no", row.unread or 0,
            ]
        )  # fmt: skip
    await audit.record(
        "team.overview_export",
        actor_id=principal.id,
        actor_role=Role.TEAM_LEAD.value,
        target_kind="team",
        members=len(rows),
    )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="team-overview.csv"'},
    )


async def what_lead_sees(request: Request) -> Response:
    """For a practitioner: their row as their lead sees it, and the list of what they share,
    drawn by the lead's own partials from the same domain functions."""
    principal = principal_of(request)
    me = await User.get(id=principal.id)
    rows = await team.rows(
        {me.id: me.display_name}, days.today(), _settings(request).stale_sync_days
    )
    kinds = tuple(k.name for k in vis.lead_kinds())
    filters = SharedFilters.parse(request.query_params, {}, kinds)
    page = await _shared_page(None, me.id, filters)
    context = {
        "rows": rows,
        "leads": await vis.leads_of(me),
        "page": page,
        "filters": filters,
        "members": [],
        "names": {me.id: me.display_name},
        "kinds": vis.lead_kinds(),
        "read": set(),
        "lead_view": False,
        **ROW_CONTEXT,
        **_pager(request, "what_my_lead_sees", filters, page),
    }
    return render(request, "team/what_lead_sees.html", context, partial="team/_shared_list.html")

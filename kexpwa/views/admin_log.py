"""The admin's landing page, audit log (page and CSV) and sync health: counts, dates and
who did what, never an entry's content."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from kexpwa import audit
from kexpwa.admin import health, log
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render

DEFAULT_QUIET_DAYS = 14


async def index(request: Request) -> Response:
    return render(request, "admin/index.html", {})


async def audit_log(request: Request) -> Response:
    """The audit log, newest first, filtered by person, event and dates, a page at a time."""
    filters = log.Filters.parse(request.query_params)
    page, names = await log.page(filters)
    base = request.url_for("admin_audit")
    context = {
        "filters": filters,
        "page": page,
        "names": names,
        "events": log.EVENTS,
        "people": await log.people(),
        "csv_url": request.url_for("admin_audit_csv").include_query_params(
            **filters.params(page="")
        ),
        "prev_url": base.include_query_params(**filters.params(page=page.page - 1))
        if page.page > 1
        else None,
        "next_url": base.include_query_params(**filters.params(page=page.page + 1))
        if page.page < page.pages
        else None,
    }
    return render(request, "admin/audit.html", context)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def audit_csv(request: Request) -> Response:
    """Every matching event as CSV, streamed. The download itself is audited first."""
    filters = log.Filters.parse(request.query_params)
    principal = principal_of(request)
    await audit.record(
        "audit.exported",
        actor_id=principal.id,
        actor_role=principal.role.value,
        **{k: v for k, v in filters.params(page="").items()},
    )

    async def lines() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(log.CSV_HEADER)
        async for row in log.csv_rows(filters):
            writer.writerow([_cell(v) for v in row])
            if out.tell() > 16_384:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    headers = {"Content-Disposition": 'attachment; filename="audit-log.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


async def sync_health(request: Request) -> Response:
    """Who has not synced for N days (``?days=``, 1 to 365), and open conflicts by person."""
    try:
        days = max(1, min(int(request.query_params.get("days", DEFAULT_QUIET_DAYS)), 365))
    except ValueError:
        days = DEFAULT_QUIET_DAYS
    context = {
        "days": days,
        "quiet": await health.quiet(days),
        "conflicts": await health.conflicts(),
    }
    return render(request, "admin/health.html", context)

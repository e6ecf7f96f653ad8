"""The research dataset (research accounts only) and "Download my data" (every practitioner):
a form, then the ZIP streamed as it is made (:mod:`kexpwa.export`). The fellow's page also
lists their past exports with each manifest's SHA-256."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from kexpwa.export import build, log
from kexpwa.export import plan as plans
from kexpwa.export.columns import BY_KIND, TYPES
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render


def _known(request: Request) -> dict[str, str]:
    return {a.slug: a.name for a in request.app.state.config.authorities}


async def research_page(
    request: Request, *, error: str = "", status: int = 200, chosen: dict[str, Any] | None = None
) -> Response:
    principal = principal_of(request)
    context = {
        "authorities": _known(request),
        "types": [(kind, BY_KIND[kind].title) for kind in TYPES],
        "dates": plans.DATES,
        "minutes": plans.MINUTES,
        "chosen": chosen
        or {"dates": plans.DEFAULT_DATES, "minutes": plans.DEFAULT_MINUTES, "authorities": []},
        "error": error,
        "past": await log.past(principal.id),
    }
    return render(request, "exports/research.html", context, status_code=status)


def _download(name: str, body: Any) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


async def research_download(request: Request) -> Response:
    """Every chosen authority must answer before a byte is sent; then the ZIP streams."""
    principal = principal_of(request)
    form = await request.form()
    authorities = [str(v)[:40] for v in form.getlist("authority")][:20]
    types = [str(v)[:20] for v in form.getlist("type")][:10]
    texts = {k: str(form.get(k, ""))[:20] for k in ("from", "to", "dates", "minutes")}
    chosen: dict[str, Any] = {"authorities": authorities, "types": types, **texts}
    chosen["date_from"], chosen["date_to"] = texts["from"], texts["to"]
    try:
        plan = plans.plan(
            _known(request),
            authorities=authorities,
            types=types,
            date_from=texts["from"],
            date_to=texts["to"],
            dates=texts["dates"],
            minutes=texts["minutes"],
        )
        found = await build.sources(plan, log.councils(request.app.state.config))
    except plans.ExportError as exc:
        status = 503 if isinstance(exc, plans.Unreachable) else 422
        return await research_page(request, error=str(exc), status=status, chosen=chosen)
    settings = request.app.state.settings
    body = build.stream(
        plan,
        found,
        activities=settings.activities,
        cpl_tags=settings.cpl_tags,
        finish=partial(log.research, account_id=principal.id),
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return _download(f"kexpwa-research-{stamp}.zip", body)


async def my_data_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    context = {"types": [BY_KIND[k].title for k in TYPES], "error": error}
    return render(request, "exports/my_data.html", context, status_code=status)


async def my_data_download(request: Request) -> Response:
    """Everything the signed-in person wrote (not deleted), as written, in the same formats."""
    principal = principal_of(request)
    assert principal.authority is not None
    plan = plans.own(principal.authority, principal.id)
    try:
        found = await build.sources(plan, log.councils(request.app.state.config))
    except plans.ExportError as exc:
        return await my_data_page(request, error=str(exc), status=503)
    settings = request.app.state.settings

    async def finish(result: build.Result) -> None:
        await log.own(result, principal.id, principal.role.value)

    body = build.stream(
        plan, found, activities=settings.activities, cpl_tags=settings.cpl_tags, finish=finish
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return _download(f"kexpwa-my-data-{stamp}.zip", body)

"""Notifications: the settings page (types on or off, the weekly reminder's day and hour, quiet
hours), this device's subscription (JSON from js/push.js), and the reflection-group
session calendar the session reminders come from (see kexpwa.push)."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from kexpwa.auth import agents
from kexpwa.domain.days import LONDON, today
from kexpwa.models.account import Role
from kexpwa.models.push import ReflectionSession
from kexpwa.push import outbox, types, vapid
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SUBSCRIPTION_MAX_BYTES = 4096
TITLE_MAX = 120
READING_MAX = 20_000
KEEPERS = (Role.TEAM_LEAD, Role.ADMIN)  # who maintains the session calendar


async def settings_page(
    request: Request, *, error: str = "", status: int = 200, done: str = ""
) -> Response:
    principal = principal_of(request)
    cfg = request.app.state.config
    pref = await outbox.preferences(principal.id)
    context: dict[str, Any] = {
        "types": types.for_role(principal.role),
        "pref": pref,
        "days": DAYS,
        "hours": range(24),
        "devices": await outbox.devices(principal.id),
        "public_key": vapid.public_key(cfg.vapid_private_key) if cfg.vapid_private_key else "",
        "error": error,
        "done": done
        or {"saved": "Your choices are saved."}.get(request.query_params.get("done", ""), ""),
    }
    return render(request, "push/settings.html", context, status_code=status)


def _hour(form: FormData, name: str) -> int:
    raw = str(form.get(name, ""))[:8].strip()
    if not raw.isdigit():
        raise outbox.PushError("Hours are whole hours from 00:00 to 23:00.")
    return int(raw)


async def save_settings(request: Request) -> Response:
    principal = principal_of(request)
    form = await request.form()
    allowed = tuple(t.name for t in types.for_role(principal.role))
    try:
        choice = outbox.Choice(
            enabled=frozenset(str(v) for v in form.getlist("types")),
            weekly_day=_hour(form, "weekly_day"),
            weekly_hour=_hour(form, "weekly_hour"),
            quiet_start=_hour(form, "quiet_start"),
            quiet_end=_hour(form, "quiet_end"),
            quiet_weekends=form.get("quiet_weekends") == "on",
        )
        await outbox.save_preferences(principal.id, allowed, choice)
    except outbox.PushError as exc:
        return await settings_page(request, error=str(exc), status=422)
    url = request.url_for("push_settings").include_query_params(done="saved")
    return RedirectResponse(url, status_code=303)


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > SUBSCRIPTION_MAX_BYTES:
        raise outbox.PushError("The browser sent too much.")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise outbox.PushError("The browser sent something that is not JSON.") from None
    if not isinstance(data, dict):
        raise outbox.PushError("The browser sent something unexpected.")
    return data


def _refused(exc: Exception) -> JSONResponse:
    return JSONResponse({"error": {"code": "invalid", "message": str(exc)}}, 422)


async def subscribe(request: Request) -> Response:
    """This device's subscription, as the browser's ``PushSubscription.toJSON()`` gives it."""
    principal = principal_of(request)
    settings = request.app.state.settings
    try:
        data = await _json(request)
        keys = data.get("keys")
        if not isinstance(keys, dict):
            raise outbox.PushError("The browser sent no keys.")
        await outbox.subscribe(
            principal.id,
            principal.session_id,
            str(data.get("endpoint", "")),
            str(keys.get("p256dh", "")),
            str(keys.get("auth", "")),
            agents.family(request.headers.get("user-agent", "")),
            allow_loopback=settings.push_allow_http_loopback,
        )
    except outbox.PushError as exc:
        return _refused(exc)
    return JSONResponse({"subscribed": True, "devices": await outbox.devices(principal.id)})


async def unsubscribe(request: Request) -> Response:
    principal = principal_of(request)
    try:
        data = await _json(request)
    except outbox.PushError as exc:
        return _refused(exc)
    removed = await outbox.unsubscribe(principal.id, str(data.get("endpoint", ""))[:2048])
    return JSONResponse({"removed": removed, "devices": await outbox.devices(principal.id)})


async def calendar(request: Request, *, error: str = "", status: int = 200) -> Response:
    """Upcoming reflection-group sessions with their reading (kept ready offline)."""
    principal = principal_of(request)
    start = datetime.combine(today(), time(0), tzinfo=LONDON)
    sessions = await ReflectionSession.filter(starts_at__gte=start).order_by("starts_at")
    context = {
        "sessions": sessions,
        "can_edit": principal.role in KEEPERS,
        "london": LONDON,
        "error": error,
    }
    return render(request, "push/sessions.html", context, status_code=status)


async def add_session(request: Request) -> Response:
    principal = principal_of(request)
    if principal.role not in KEEPERS:
        raise HTTPException(403)
    form = await request.form()
    title = str(form.get("title", "")).strip()[: TITLE_MAX + 1]
    reading = str(form.get("reading", "")).strip()
    try:
        day = datetime.strptime(str(form.get("date", ""))[:10], "%Y-%m-%d").date()
        at = datetime.strptime(str(form.get("time", ""))[:5], "%H:%M").time()
    except ValueError:
        return await calendar(request, error="Give the session's date and time.", status=422)
    if not title or len(title) > TITLE_MAX:
        return await calendar(
            request, error=f"Give a title of up to {TITLE_MAX} characters.", status=422
        )
    if len(reading) > READING_MAX:
        return await calendar(request, error="The reading is too long.", status=422)
    starts = datetime.combine(day, at, tzinfo=LONDON)
    await ReflectionSession.create(
        starts_at=starts, title=title, reading=reading, created_by_id=principal.id
    )
    return RedirectResponse(request.url_for("push_sessions"), status_code=303)

"""Sign in and sign out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa import audit, tenancy
from kexpwa.auth import agents, sessions
from kexpwa.auth.signin import RESEARCH_CHOICE, sign_in
from kexpwa.push import outbox
from kexpwa.web.access import principal_of
from kexpwa.web.principal import end_session, start_session
from kexpwa.web.templating import render


def _choices(request: Request) -> list[tuple[str, str]]:
    cfg = request.app.state.config
    return [(a.slug, a.name) for a in cfg.authorities] + [
        (RESEARCH_CHOICE, "University research account")
    ]


def _form(
    request: Request, *, error: str = "", values: dict[str, str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "auth/login.html",
        {
            "choices": _choices(request),
            "error": error,
            "values": values or {},
            "ended": request.query_params.get("ended") == "1",
        },
        status_code=status,
    )


async def login_form(request: Request) -> Response:
    if request.scope.get("principal") is not None:
        return RedirectResponse(request.url_for("home"), status_code=303)
    return _form(request)


async def login(request: Request) -> Response:
    form = await request.form()
    authority = str(form.get("authority", ""))
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    values = {"authority": authority, "username": username[:64]}
    valid_choices = {slug for slug, _ in _choices(request)}
    if authority not in valid_choices:
        return _form(request, error="Choose your council.", values=values, status=422)
    if not username.strip() or not password:
        return _form(request, error="Enter your username and password.", values=values, status=422)
    client = request.client.host if request.client else "unknown"
    outcome = await sign_in(
        request.app.state.throttle,
        authority=authority,
        username=username,
        password=password,
        client=client,
    )
    if not outcome.ok:
        status = 429 if outcome.retry_after else 401
        headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None
        response = _form(request, error=outcome.message, values=values, status=status)
        if headers:
            response.headers.update(headers)
        return response
    assert outcome.account is not None
    # Signing in over a live session (another person on this browser) ends that one first.
    await sessions.end(request.scope["session"].get("sid"), sessions.Reason.SIGNED_OUT)
    device = agents.family(request.headers.get("user-agent", ""))
    if authority == RESEARCH_CHOICE:
        session_id = await sessions.start(sessions.RESEARCH, outcome.account, device=device)
    else:
        with tenancy.bound(authority):
            session_id = await sessions.start(authority, outcome.account, device=device)
    start_session(request.scope["session"], session_id)
    if getattr(outcome.account, "must_change_password", False):
        return RedirectResponse(request.url_for("account_password"), status_code=303)
    return RedirectResponse(request.url_for("home"), status_code=303)


async def logout(request: Request) -> Response:
    principal = principal_of(request)
    if principal.authority is not None:
        with tenancy.bound(principal.authority):
            await audit.record("signout", actor_id=principal.id, actor_role=principal.role.value)
            if principal.session_id is not None:
                await outbox.forget_session(principal.session_id)  # this device's push
    else:
        await audit.record_directory("signout", actor_id=principal.id)
    await end_session(request.scope["session"])
    return RedirectResponse(request.url_for("login"), status_code=303)

"""A person's own account: changing their password (also a temporary one), and "Signed-in
devices", their open sessions, each of which they can end."""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kexpwa import accounts, audit
from kexpwa.auth import sessions
from kexpwa.auth.passwords import PasswordPolicyError
from kexpwa.models.account import User
from kexpwa.web.access import principal_of
from kexpwa.web.templating import render


async def password_form(request: Request, *, error: str = "", status: int = 200) -> Response:
    principal = principal_of(request)
    context = {"error": error, "temporary": principal.must_change_password}
    return render(request, "account/password.html", context, status_code=status)


async def change_password(request: Request) -> Response:
    form = await request.form()
    values = [str(form.get(k, ""))[:1024] for k in ("current", "new", "confirm")]
    user = await User.get_or_none(id=principal_of(request).id)
    if user is None:
        raise HTTPException(404)
    try:
        await accounts.change_password(user, *values)
    except (accounts.AccountError, PasswordPolicyError) as exc:
        return await password_form(request, error=str(exc), status=422)
    url = request.url_for("account_sessions").include_query_params(done="password")
    return RedirectResponse(url, status_code=303)


def _where(request: Request) -> str:
    return principal_of(request).authority or sessions.RESEARCH


async def sessions_page(request: Request) -> Response:
    """Where this person is signed in: device family, since when, last seen; this one marked."""
    principal = principal_of(request)
    found = await sessions.open_sessions(_where(request), principal.id)
    done = request.query_params.get("done", "")
    context = {
        "sessions": found,
        "current": principal.session_id,
        "done": {"ended": "Signed out there.", "password": "Password changed."}.get(done, ""),
    }
    return render(request, "account/sessions.html", context)


async def end_session(request: Request) -> Response:
    """End one of the person's other sessions (that device wipes at its next contact)."""
    principal = principal_of(request)
    session_id = request.path_params["id"]
    assert isinstance(session_id, uuid.UUID)
    if session_id == principal.session_id:
        raise HTTPException(400, "Use 'Sign out' to end the session you are using.")
    if not await sessions.end_own(_where(request), principal.id, session_id):
        raise HTTPException(404)
    if principal.authority is not None:
        await audit.record(
            "session.ended",
            actor_id=principal.id,
            actor_role=principal.role.value,
            target_kind="session",
            target_id=session_id,
        )
    else:
        await audit.record_directory("session.ended", actor_id=principal.id)
    url = request.url_for("account_sessions").include_query_params(done="ended")
    return RedirectResponse(url, status_code=303)

"""CSRF tokens: one per session, sent back as the form field ``csrf_token`` or the header
``X-CSRF-Token``. Checked for every unsafe method by :mod:`kexpwa.web.access`."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_for(request: Request) -> str:
    """The session's token, created on first use (the sign-in form needs one too)."""
    session = request.scope["session"]
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = new_token()
        session["csrf"] = token
    return token


async def is_valid(request: Request) -> bool:
    """True if the request carries this session's token, in the header or a form field.
    Reading the field leaves the body and the parsed form readable for the view."""
    expected = request.scope["session"].get("csrf")
    if not isinstance(expected, str) or not expected:
        return False
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # Read the body first: the form is then parsed from the kept copy, and a view
            # that reads the body again gets it instead of "Stream consumed".
            await request.body()
            form = await request.form()
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())

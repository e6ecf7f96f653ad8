"""All htmx header handling lives here: is this an htmx request, and Vary on every answer
that could be a full page or a fragment (so no cache ever mixes the two)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response


def is_htmx(request: Request) -> bool:
    """True for an htmx request that is not a history restore (those need the full page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def target(request: Request) -> str | None:
    return request.headers.get("hx-target")


def add_vary(response: Response) -> Response:
    vary = response.headers.get("vary")
    if not vary:
        response.headers["Vary"] = "HX-Request"
    elif "hx-request" not in vary.lower():
        response.headers["Vary"] = f"{vary}, HX-Request"
    return response


def redirect(response: Response, url: str) -> Response:
    """Tell htmx to navigate (a plain 303 would be followed and swapped in place)."""
    response.headers["HX-Redirect"] = url
    return response

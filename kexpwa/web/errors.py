"""Friendly error pages for people, JSON errors for programs. Never a traceback outside debug."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("kexpwa.errors")

TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "You cannot do that",
    404: "Page not found",
    405: "That action is not available here",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Service unavailable",
}
MESSAGES = {
    400: "The request was not in a form kexpwa understands.",
    401: "Your session has ended. Sign in again to continue; nothing saved on this device is lost.",
    403: "Your account does not have access to this. If you think it should, ask your admin.",
    404: "There is nothing here. It may have been moved or deleted, or the link may be wrong.",
    405: "That action is not available on this page.",
    500: "Your work on this device is safe. Please try again in a moment.",
    503: "kexpwa cannot reach its database right now. Please try again shortly.",
}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/sync/", "/api/")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "too_many_requests",
        500: "server_error",
        503: "unavailable",
    }.get(status, "error")


def error_response(
    request: Request, status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    text = message or MESSAGES.get(status, TITLES.get(status, "Error"))
    if wants_json(request):
        return JSONResponse(
            {"error": {"code": error_code(status), "message": text}}, status, headers=headers
        )
    from kexpwa.web.templating import render

    return render(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "message": text},
        status_code=status,
        headers=headers,
    )


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.detail and exc.detail != TITLES.get(exc.status_code) else None
    if message and exc.status_code in MESSAGES and message == _default_phrase(exc.status_code):
        message = None
    return error_response(
        request, exc.status_code, message, headers=dict(exc.headers) if exc.headers else None
    )


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up while sending its request (a phone losing signal): nothing was
    read, nothing changed, and nobody is left to answer. Not an error of ours."""
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def server_error(request: Request, exc: Exception) -> Response:
    # The path is logged, never the query string or body: those may hold personal data.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    from kexpwa.web import headers

    # Starlette sends this answer from outside every middleware, so the security headers
    # middleware never sees it: add them here.
    response = error_response(request, 500)
    settings = getattr(request.app.state, "settings", None)
    headers.apply(response.headers, hsts=bool(getattr(settings, "production", False)))
    return response

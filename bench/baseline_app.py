"""The baseline: the smallest Starlette app, served by the same uvicorn as kexpwa.

Its numbers are the ceiling set by uvicorn, the client loop and this machine; kexpwa's numbers
are reported as ratios to it, so results from different machines can be compared.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


async def hello(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/", hello), Route("/healthz", hello)])

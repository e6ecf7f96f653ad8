"""The baseline: the smallest Starlette app, served by the same uvicorn as kexpwa.

Its numbers are the ceiling set by uvicorn, the client loop and this machine; kexpwa's numbers
are reported as ratios to it, so results from different machines can be compared.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


async def hello(request: Request) -> Response:
    return PlainTextResponse("ok")


async def push(request: Request) -> Response:
    """The sync push's HTTP part alone: read the JSON body, answer every mutation "applied"
    (no session, no checks, no database): what the same client and uvicorn cost per push."""
    body = await request.json()
    mutations = body.get("mutations", [])
    results = [
        {"mutation_id": m["mutation_id"], "status": "applied", "version": 1} for m in mutations
    ]
    return JSONResponse({"results": results, "last_seq": len(mutations)})


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/healthz", hello),
        Route("/sync/push", push, methods=["POST"]),
    ]
)

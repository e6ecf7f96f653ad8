"""gzip for text responses. Starlette's GZipMiddleware drops the ``http.response.debug``
messages that tests use to see which template rendered; this passes them through untouched."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, *, minimum_size: int = 500) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def inner(inner_scope: Scope, inner_receive: Receive, inner_send: Send) -> None:
            async def route(message: Message) -> None:
                if message["type"] == "http.response.debug":
                    await send(message)
                else:
                    await inner_send(message)

            await self.app(inner_scope, inner_receive, route)

        await GZipMiddleware(inner, minimum_size=self.minimum_size)(scope, receive, send)

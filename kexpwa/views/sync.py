"""The sync endpoints: thin wrappers that hand the body or query to the ``sync`` engine with
the Tortoise store and feed of the signed-in user's authority. Protocol: sync/PROTOCOL.md.

Every answer is JSON. Sign-in (401) and CSRF/role (403) are decided by the route guard before
these run; request errors from the engine carry their catalogue code and status.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import DBConnectionError

import sync
from kexpwa.auth import agents
from kexpwa.domain import visibility
from kexpwa.domain.kinds import Context
from kexpwa.models.account import User
from kexpwa.settings import Settings
from kexpwa.syncing import conflicts
from kexpwa.syncing.feed import TortoiseFeed
from kexpwa.syncing.store import DeviceRevoked, TortoiseStore, pulled
from kexpwa.web.access import REVOKED_MESSAGE, principal_of
from sync.errors import SyncError

log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}


def _answer(body: object, status: int = 200) -> Response:
    headers = dict(NO_STORE)
    if status == 503:
        headers["Retry-After"] = "5"
    return JSONResponse(body, status_code=status, headers=headers)


async def _answering(name: str, work: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
    """``work``'s answer, or the catalogue error it raised; an unreachable database is
    ``unavailable`` (503, with ``Retry-After``), so the device keeps its queue and retries."""
    try:
        return _answer(await work())
    except DeviceRevoked:
        return _answer({"error": {"code": "revoked", "message": REVOKED_MESSAGE}}, 401)
    except SyncError as exc:
        return _answer(exc.body(), exc.status)
    except (OSError, DBConnectionError):
        log.warning("sync %s: database unreachable", name)
        error = SyncError("unavailable")
        return _answer(error.body(), error.status)


def _is_json(request: Request) -> bool:
    # No type at all is taken as JSON (the body is checked strictly anyway). A form type is
    # refused before anything reads the body: the CSRF check may already have parsed it.
    content_type = request.headers.get("content-type")
    if content_type is None:
        return True
    return content_type.partition(";")[0].strip().lower() == "application/json"


async def _actor(request: Request) -> User:
    user = await User.get_or_none(id=principal_of(request).id, is_active=True)
    if user is None:  # deactivated since the session was checked, a moment ago
        raise SyncError("unavailable")
    return user


async def push(request: Request) -> Response:
    """POST /sync/push: apply a batch of mutations, each exactly once, in seq order."""
    settings: Settings = request.app.state.settings
    limits = sync.Limits(settings.sync_max_mutations, settings.max_body_bytes)

    async def work() -> dict[str, Any]:
        if not _is_json(request):
            raise SyncError("unsupported_media_type")
        store = TortoiseStore(
            Context.of(await _actor(request), settings),
            session_id=principal_of(request).session_id,
            session_device=principal_of(request).device_id,
            device=agents.family(request.headers.get("user-agent", "")),
        )
        return await sync.push(store, await request.body(), limits)

    response = await _answering("push", work)
    # The limits, on every push answer: the client sizes its next push by them.
    response.headers["X-Sync-Max-Mutations"] = str(limits.max_mutations)
    response.headers["X-Sync-Max-Bytes"] = str(limits.max_bytes)
    return response


async def pull(request: Request) -> Response:
    """GET /sync/pull?cursor=&limit=: the changes this user may read after the cursor."""
    params = request.query_params

    async def work() -> dict[str, Any]:
        user = await _actor(request)
        feed = TortoiseFeed(await visibility.reader_for(user.id, user.role))
        answer = await sync.pull(feed, params.get("cursor"), params.get("limit"))
        await pulled(principal_of(request).session_id)
        return answer

    return await _answering("pull", work)


async def conflict_list(request: Request) -> Response:
    """GET /sync/conflicts[?include=resolved]: the signed-in user's kept losing payloads."""
    include_resolved = request.query_params.get("include") == "resolved"
    found = await conflicts.listed(principal_of(request).id, include_resolved=include_resolved)
    return _answer({"conflicts": found})

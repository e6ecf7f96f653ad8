"""``/api/session``: what the offline client asks for when it starts and before it syncs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kexpwa.domain import feedback, journal_templates, reading, registry, visibility
from kexpwa.models.account import Role
from kexpwa.views.feedback import own_path
from kexpwa.web import csrf
from kexpwa.web.access import CAPTURE, principal_of
from kexpwa.web.client import path_of, user_key


def warm_paths(request: Request) -> list[str]:
    """The pages the worker keeps ready for the signed-in user, even if never visited: home,
    each kind's ``warm_routes`` (its list, new form and offline edit form), "Needs attention",
    "This device", the reflection-group sessions (their reading offline), and each journal
    template's new and offline edit forms."""
    kinds = (name for kind in registry.all_kinds() for name in kind.warm_routes)
    pages = ("home", *kinds, "attention", "device", "push_sessions")
    paths = [path_of(request, name) for name in pages]
    warm = [path for path in paths if path is not None]
    for name in ("journal_new", "journal_offline_edit"):  # one form per journal template
        path = path_of(request, name)
        if path is not None:
            warm += [f"{path}?template={key}" for key in journal_templates.TEMPLATES]
    return warm


# The entries a team lead opened most recently that the worker keeps ready (the cap keeps
# warming quick; older ones are cached as they are visited).
WARM_ENTRIES = 50


async def lead_paths(request: Request) -> list[str]:
    """A team lead's pages to keep ready: the overview, the shared list, the charts, and the
    shared entries they opened most recently (only those still shared with them)."""
    principal = principal_of(request)
    if principal.role != Role.TEAM_LEAD:
        return []
    paths = [path_of(request, name) for name in ("team", "team_shared", "team_charts")]
    reader = await visibility.reader_for(principal.id, Role.TEAM_LEAD)
    for kind, record_id in await reading.recent_reads(reader, WARM_ENTRIES):
        paths.append(str(request.url_for("team_entry", kind=kind, id=record_id).path))
    return [path for path in paths if path is not None]


async def thread_paths(request: Request) -> list[str]:
    """The person's own entries with feedback, most recently commented first: their pages
    (with the thread) are kept ready, so a comment pulled at the last sync is shown offline."""
    principal = principal_of(request)
    if not CAPTURE.allows(principal):
        return []
    reader = await visibility.reader_for(principal.id, principal.role)
    threads = await feedback.threads_of(reader, WARM_ENTRIES)
    return [own_path(request, kind, record_id) for kind, record_id in threads]


async def session_info(request: Request) -> Response:
    """For the offline client: who is signed in (as an opaque key), a fresh CSRF token, the
    pages to keep ready offline, and the push limits (asked at the start of every sync run, so
    its first push is already as large as the server takes). 401 when signed out."""
    principal = principal_of(request)
    settings = request.app.state.settings
    body = {
        "user": user_key(request, principal),
        "csrf": csrf.token_for(request),
        "warm": warm_paths(request) + await lead_paths(request) + await thread_paths(request),
        "limits": {"mutations": settings.sync_max_mutations, "bytes": settings.max_body_bytes},
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})

"""The one place where access is decided: every route declares who may use it.

``route()`` wraps an endpoint so that, before it runs, unsafe methods must carry a valid CSRF
token, and non-public routes need a signed-in principal with one of the declared roles.
``tests/test_route_access.py`` walks the route table and fails for any route without a rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kexpwa.models.account import Role
from kexpwa.web import csrf
from kexpwa.web.errors import wants_json
from kexpwa.web.principal import ENDED, REVOKED, Principal

Endpoint = Callable[[Request], Awaitable[Response]]
ACCESS_ATTR = "kexpwa_access"


@dataclass(frozen=True)
class Access:
    public: bool
    roles: frozenset[Role]

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        return principal is not None and principal.role in self.roles


PUBLIC = Access(public=True, roles=frozenset())


def roles(*allowed: Role) -> Access:
    if not allowed:
        raise ValueError("a non-public route needs at least one role")
    return Access(public=False, roles=frozenset(allowed))


COUNCIL_STAFF = roles(Role.PRACTITIONER, Role.TEAM_LEAD, Role.ADMIN)
SIGNED_IN = roles(Role.PRACTITIONER, Role.TEAM_LEAD, Role.ADMIN, Role.RESEARCH)
# Team leads also keep their own notes and journal; admins manage, they do not capture.
CAPTURE = roles(Role.PRACTITIONER, Role.TEAM_LEAD)
TEAM_LEADS = roles(Role.TEAM_LEAD)
# A council's own administration (kexpwa.admin): people, teams, devices, audit log.
ADMINS = roles(Role.ADMIN)
# The university's research fellow: the research dataset (kexpwa.export).
RESEARCH = roles(Role.RESEARCH)
# Set on routes a person with a temporary password may use before changing it.
TEMPORARY_OK_ATTR = "kexpwa_temporary_ok"

# The same words as sync/errors.py's ``revoked`` entry (sync/PROTOCOL.md, "Error catalogue").
REVOKED_MESSAGE = (
    "This session was ended: signed out, signed out everywhere, or access was withdrawn. "
    "Sign in again to continue."
)


def _signed_out(request: Request) -> Response:
    """The answer to a request that needs a principal and has none: 401 for programs and htmx
    (``code: "revoked"`` in JSON when the session was ended on purpose), a redirect to the
    sign-in page for a navigation."""
    revoked = request.scope.get(ENDED) == REVOKED
    if wants_json(request):
        if revoked:
            body = {"error": {"code": "revoked", "message": REVOKED_MESSAGE}}
            return JSONResponse(body, 401, headers={"Cache-Control": "no-store"})
        raise HTTPException(401)
    if request.headers.get("hx-request"):
        raise HTTPException(401, REVOKED_MESSAGE if revoked else None)
    return RedirectResponse(request.url_for("login"), status_code=303)


def principal_of(request: Request) -> Principal:
    """The signed-in principal; only call from routes that are not public."""
    principal = request.scope.get("principal")
    if principal is None:
        raise HTTPException(401)
    assert isinstance(principal, Principal)
    return principal


def _change_password_first(request: Request) -> Response:
    """A temporary password must be changed before anything else: pages go to the form,
    programs and htmx are refused."""
    if wants_json(request) or request.headers.get("hx-request"):
        raise HTTPException(403, "Change your temporary password first.")
    return RedirectResponse(request.url_for("account_password"), status_code=303)


def guard(endpoint: Endpoint, access: Access, *, temporary_ok: bool = False) -> Endpoint:
    async def guarded(request: Request) -> Response:
        if request.method not in csrf.SAFE_METHODS and not await csrf.is_valid(request):
            raise HTTPException(
                403, "This form has expired. Go back, reload the page and try again."
            )
        principal = request.scope.get("principal")
        if not access.public:
            if principal is None:
                return _signed_out(request)
            if principal.role not in access.roles:
                raise HTTPException(403)
            if principal.must_change_password and not temporary_ok:
                return _change_password_first(request)
        return await endpoint(request)

    setattr(guarded, ACCESS_ATTR, access)
    setattr(guarded, TEMPORARY_OK_ATTR, temporary_ok)
    guarded.__name__ = getattr(endpoint, "__name__", "endpoint")
    guarded.__doc__ = endpoint.__doc__
    return guarded


def route(
    path: str,
    endpoint: Endpoint,
    *,
    access: Access,
    name: str,
    methods: Iterable[str] = ("GET",),
    temporary_ok: bool = False,
) -> Route:
    """A route whose endpoint runs only for requests ``access`` allows (and, unless
    ``temporary_ok``, only once a temporary password has been changed)."""
    endpoint = guard(endpoint, access, temporary_ok=temporary_ok)
    return Route(path, endpoint, methods=list(methods), name=name)


def access_of(endpoint: object) -> Access | None:
    return getattr(endpoint, ACCESS_ATTR, None)

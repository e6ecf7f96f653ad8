"""The HTTP contract every page and program relies on: health, security headers, error pages,
body limits, static caching and the session cookie's Secure flag."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from kexpwa import db
from kexpwa import settings as settings_module
from kexpwa.app import create_app
from kexpwa.config import Config
from kexpwa.settings import Settings
from kexpwa.web.access import PUBLIC, route
from kexpwa.web.assets import assets
from kexpwa.web.sessions import COOKIE
from tests import support
from tests.conftest import Client, make_client

HEALTHY = {
    "status": "ok",
    "authorities": {"edinburgh": "ok", "east-lothian": "ok"},
    "directory": "ok",
}
JSON = {"Accept": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _csp(response: httpx2.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers.get("content-security-policy")
    assert policy, f"no CSP on {response.request.url} ({response.status_code})"
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response: httpx2.Response) -> None:
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    every_source = [source for sources in csp.values() for source in sources]
    assert "'unsafe-inline'" not in every_source
    assert "'unsafe-eval'" not in every_source
    assert "*" not in every_source
    assert response.headers.get("referrer-policy")
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("permissions-policy")


def assert_friendly(response: httpx2.Response) -> None:
    """A page a person can read: HTML, no traceback, no exception names."""
    assert response.headers["content-type"].startswith("text/html")
    for leak in ("Traceback", "RuntimeError", "Exception", 'File "'):
        assert leak not in response.text
    assert "Go to the start page" in response.text


# --- health ----------------------------------------------------------------------------------


async def test_healthz_reports_every_database(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == HEALTHY
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_names_the_authority_that_is_down(
    cfg: Config, settings: Settings, tmp_path: Path
) -> None:
    edinburgh = cfg.authority("edinburgh")
    if edinburgh.scheme == "sqlite":
        # A directory where the database file should be: SQLite cannot open it.
        unreachable = tmp_path / "not-a-database"
        unreachable.mkdir()
        url = f"sqlite://{unreachable}"
    else:
        url = edinburgh.url.rsplit("/", 1)[0] + f"/kx_missing_{uuid.uuid4().hex[:10]}"
    broken = dataclasses.replace(
        cfg,
        authorities=tuple(
            dataclasses.replace(a, url=url) if a.slug == "edinburgh" else a for a in cfg.authorities
        ),
    )
    async with db.open_databases(broken), make_client(create_app(settings, broken)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "authorities": {"edinburgh": "unavailable", "east-lothian": "ok"},
        "directory": "ok",
    }
    assert_security_headers(response)


# --- security headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/login", 200),
        ("GET", "/healthz", 200),
        ("GET", "/", 303),  # signed out: sent to the sign-in page
        ("GET", "/no/such/page", 404),
        ("DELETE", "/healthz", 405),
        ("GET", "/static/app.css", 200),
        ("GET", "/static/no-such-file.css", 404),
        ("POST", "/logout", 403),  # no CSRF token
    ],
)
async def test_every_response_carries_security_headers(
    client: Client, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert_security_headers(response)


async def test_signed_in_page_carries_security_headers(
    client: Client, users: support.UserFactory
) -> None:
    await support.sign_in(client, await users("edinburgh", "pat"))
    response = await client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)
    cache = response.headers["cache-control"]
    assert "private" in cache or "no-store" in cache  # never kept by a shared cache


# --- error pages -----------------------------------------------------------------------------


async def test_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert client.template.template == "error.html"
    assert client.template.context["status"] == 404
    assert_friendly(response)
    assert "Page not found" in response.text


async def test_unknown_path_answers_json_clients_in_json(client: Client) -> None:
    response = await client.get("/no/such/page", headers=JSON)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]
    assert set(body) == {"error"}


async def test_wrong_method_is_405(client: Client) -> None:
    response = await client.post("/healthz")
    assert response.status_code == 405
    assert client.template.template == "error.html"
    assert_friendly(response)
    as_json = await client.delete("/", headers=JSON)
    assert as_json.status_code == 405
    assert as_json.json()["error"]["code"] == "method_not_allowed"


@pytest.fixture
async def small_body_client(cfg: Config, dbs: Config, tmp_path: Path) -> AsyncIterator[Client]:
    """A client for an app that accepts request bodies of at most 1000 bytes."""
    limited = settings_module.load(
        {},
        data_dir=tmp_path,
        secret_key="test-secret-" + "x" * 40,
        max_body_bytes=1000,
        allowed_hosts=("testserver",),
    )
    async with make_client(create_app(limited, cfg)) as client:
        yield client


async def test_too_large_body_is_a_friendly_413(small_body_client: Client) -> None:
    response = await small_body_client.post("/login", content=b"a=" + b"x" * 5000, headers=FORM)
    assert response.status_code == 413
    assert small_body_client.template.template == "error.html"
    assert_friendly(response)
    assert "Too large" in response.text
    assert_security_headers(response)


async def test_too_large_body_answers_json_clients_in_json(small_body_client: Client) -> None:
    response = await small_body_client.post(
        "/login", content=b"a=" + b"x" * 5000, headers={**FORM, **JSON}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_body_just_under_the_limit_is_read(small_body_client: Client) -> None:
    token = await support.csrf(small_body_client)
    body = f"csrf_token={token}&authority=edinburgh&username=nobody&password=".encode()
    response = await small_body_client.post(
        "/login", content=body + b"p" * (900 - len(body)), headers=FORM
    )
    assert response.status_code == 401  # read and judged, not refused for size


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
async def test_chunked_body_without_length_is_cut_off(
    small_body_client: Client, accept: str
) -> None:
    token = await support.csrf(small_body_client)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"username=pat&password="
        for _ in range(10):
            yield b"p" * 500

    response = await small_body_client.post(
        "/login",
        content=chunks(),
        headers={**FORM, "Accept": accept, "X-CSRF-Token": token},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    if accept == "application/json":
        assert response.json()["error"]["code"] == "too_large"
    else:
        assert_friendly(response)


async def _explode(request: Request) -> Response:
    raise RuntimeError("kaboom: this must never reach a browser")


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
async def test_server_error_is_friendly_and_hides_the_traceback(
    settings: Settings, cfg: Config, dbs: Config, accept: str
) -> None:
    assert not settings.debug
    app = create_app(settings, cfg)
    app.routes.append(route("/explode", _explode, access=PUBLIC, name="explode"))
    transport = httpx2.ASGITransport(app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/explode", headers={"Accept": accept})
    assert response.status_code == 500
    assert "kaboom" not in response.text
    assert_security_headers(response)
    if accept == "application/json":
        assert response.json()["error"]["code"] == "server_error"
    else:
        assert_friendly(response)
        assert "Something went wrong" in response.text


# --- static files and cookies ----------------------------------------------------------------


async def test_versioned_static_asset_is_cached_forever(client: Client) -> None:
    digest = assets.hashes["app.css"]
    response = await client.get(f"/static/app.css?v={digest}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    cache = response.headers["cache-control"]
    assert "immutable" in cache and "max-age=31536000" in cache
    assert_security_headers(response)
    unversioned = await client.get("/static/app.css")
    assert "immutable" not in unversioned.headers["cache-control"]


async def test_pages_link_versioned_assets(client: Client) -> None:
    response = await client.get("/login")
    assert assets.url("app.css") in response.text


def _session_cookie(response: httpx2.Response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE + "=")]
    assert len(cookies) == 1, cookies
    return cookies[0]


@pytest.mark.parametrize("production", [True, False])
async def test_session_cookie_is_secure_in_production(
    settings: Settings, cfg: Config, dbs: Config, production: bool
) -> None:
    chosen = dataclasses.replace(settings, production=production)
    async with make_client(create_app(chosen, cfg)) as client:
        response = await client.get("/login")  # over plain http
    cookie = _session_cookie(response)
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert ("secure" in attributes) is production
    if production:
        assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_a_client_hanging_up_mid_request_is_not_a_server_error(
    app: Starlette, dbs: object, caplog: pytest.LogCaptureFixture
) -> None:
    """A phone losing signal while posting: the body never arrives. That is logged quietly,
    with no traceback and no 500."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/login", "raw_path": b"/login",
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "server": ("testserver", 80), "client": ("203.0.113.9", 1),
        "headers": [(b"host", b"testserver"),
                    (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", b"100")],
    }  # fmt: skip
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] != 500
    assert "Traceback" not in caplog.text and "unhandled" not in caplog.text


# --- host allow-list (issue 9 #16) -------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("GET", "/"), ("GET", "/login"), ("POST", "/login")])
async def test_a_stranger_host_header_gets_400_and_no_redirect(
    client: Client, method: str, path: str
) -> None:
    response = await client.request(method, path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "evil.example" not in response.text
    # The same request naming the served host is answered as usual.
    assert (await client.request(method, path)).status_code != 400


def test_allowed_hosts_default_to_the_served_host_and_local_names() -> None:
    from kexpwa.app import allowed_hosts

    assert allowed_hosts(settings_module.load({})) == ["localhost", "127.0.0.1"]
    served = settings_module.load({"KEXPWA_HOST": "kexpwa.lan"})
    assert allowed_hosts(served) == ["localhost", "127.0.0.1", "kexpwa.lan"]
    everywhere = "0.0.0.0"  # noqa: S104 (a setting's value; nothing binds here)
    assert allowed_hosts(settings_module.load({"KEXPWA_HOST": everywhere})) == [
        "localhost",
        "127.0.0.1",
    ]
    chosen = settings_module.load({"KEXPWA_ALLOWED_HOSTS": "kexpwa.example.gov.uk, *.example"})
    assert allowed_hosts(chosen) == ["kexpwa.example.gov.uk", "*.example"]


# --- caching and the cookie's lifetime (issue 9 #17) -------------------------------------------


async def test_signed_in_pages_are_never_stored_signed_out_ones_privately(
    client: Client, users: support.UserFactory
) -> None:
    signed_out = await client.get("/login")
    assert signed_out.headers["cache-control"] == "private, no-cache"
    await support.sign_in(client, await users("edinburgh", "pat"))
    for path in ("/", "/notes", "/notes?page=1"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store", path
    fragment = await client.get("/notes", headers={"HX-Request": "true"})
    assert fragment.headers["cache-control"] == "no-store"
    # Assets keep their own caching: the service worker and versioned files are not personal.
    assert "no-store" not in (await client.get("/sw.js")).headers["cache-control"]


@pytest.mark.parametrize("hours", [336, 2])
async def test_the_cookie_lives_no_longer_than_the_session(
    settings: Settings, cfg: Config, dbs: Config, users: support.UserFactory, hours: int
) -> None:
    chosen = dataclasses.replace(settings, session_max_hours=hours)
    pat = await users("edinburgh", "pat")
    async with make_client(create_app(chosen, cfg)) as client:
        anonymous = _session_cookie(await client.get("/login"))
        signed_in = _session_cookie(await support.sign_in(client, pat))
    for cookie in (anonymous, signed_in):
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert f"max-age={hours * 3600}" in attributes

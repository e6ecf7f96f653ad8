"""The template helpers: url_for's route index gives exactly Starlette's URLs, and the
display filters."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from starlette.requests import Request
from starlette.routing import NoMatchFound, Route

from kexpwa import config as config_module
from kexpwa import settings as settings_module
from kexpwa.app import create_app
from kexpwa.web.access import CAPTURE
from kexpwa.web.templating import SYNCING_ROLES, _day, _url_for, field_id


def test_url_for_matches_starlette_for_every_route(tmp_path: Path) -> None:
    settings = settings_module.load({}, data_dir=tmp_path, secret_key="test-secret-" + "x" * 40)
    app = create_app(settings, config_module.parse(config_module.demo_data(tmp_path)))
    scope = {
        "type": "http", "method": "GET", "path": "/", "root_path": "", "query_string": b"",
        "headers": [(b"host", b"kexpwa.test")], "scheme": "https", "server": ("kexpwa.test", 443),
        "router": app.router,
    }  # fmt: skip
    request = Request(scope)
    checked = 0
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        params = {name: uuid.uuid4() for name in route.param_convertors}
        assert _url_for({"request": request}, route.name, **params) == request.url_for(
            route.name, **params
        )
        checked += 1
    assert checked > 30
    assert str(_url_for({"request": request}, "static", path="app.css")).startswith(
        "https://kexpwa.test/static/app.css"
    )
    try:
        _url_for({"request": request}, "note_edit")  # a missing parameter is still an error
    except NoMatchFound:
        pass
    else:
        raise AssertionError("url_for accepted a route without its parameters")


def test_display_helpers() -> None:
    assert _day(date(2026, 1, 5)) == "Mon 5 Jan 2026"
    assert _day(None) == ""
    assert field_id("sections.action_plan") == "f-sections-action-plan"


def test_the_roles_that_run_the_sync_client_are_those_allowed_to_sync() -> None:
    assert SYNCING_ROLES == CAPTURE.roles

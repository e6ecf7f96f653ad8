"""Every route declares who may use it, and no signed-out request reaches a non-public page.

Everything here is derived from the app's route table, so routes added later are covered
without touching this file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.convertors import (
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    UUIDConvertor,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import (
    BaseRoute,
    Host,
    Mount,
    Route,
    Router,
    WebSocketRoute,
    compile_path,
)
from starlette.staticfiles import StaticFiles

from kexpwa import config as config_module
from kexpwa import settings as settings_module
from kexpwa.app import create_app
from kexpwa.web.access import PUBLIC, SIGNED_IN, Access, access_of, route
from tests.conftest import Client


@dataclass(frozen=True)
class Walked:
    """A route as the app sees it: the full path (mount prefixes included) and its rule."""

    path: str
    route: BaseRoute
    access: Access | None
    convertors: dict[str, Convertor[Any]]

    @property
    def label(self) -> str:
        name = getattr(self.route, "name", None) or "?"
        return f"{type(self.route).__name__} {self.path} ({name})"


def walk(
    routes: Sequence[BaseRoute],
    prefix: str = "",
    convertors: dict[str, Convertor[Any]] | None = None,
) -> Iterator[Walked]:
    """Every endpoint-bearing route and every opaque mounted app, recursively."""
    inherited = convertors or {}
    for item in routes:
        own = {**inherited, **getattr(item, "param_convertors", {})}
        if isinstance(item, Route | WebSocketRoute):
            yield Walked(prefix + item.path_format, item, access_of(item.endpoint), own)
        elif isinstance(item, Mount | Host):
            path = prefix
            if isinstance(item, Mount):
                # The mount's own prefix, without the "/{path}" it adds for its sub-app.
                _, mount_format, mount_convertors = compile_path(item.path)
                path += mount_format
                own = {**inherited, **mount_convertors}
            if item.routes:
                yield from walk(item.routes, path, own)
            else:
                # An app with no route table of its own (static files, a sub-application):
                # the mounted app itself must carry the rule.
                yield Walked(path + "/", item, access_of(item.app), own)
        else:
            yield Walked(prefix + "?", item, None, own)


def uncovered(routes: Sequence[BaseRoute]) -> list[str]:
    """Labels of routes (and mounted apps) that declare no access rule."""
    return [walked.label for walked in walk(routes) if walked.access is None]


@pytest.fixture
def route_table_app(tmp_path: Path) -> Starlette:
    """The real app, built but not started: enough to read its route table."""
    data = config_module.demo_data(tmp_path)
    settings = settings_module.load({}, data_dir=tmp_path, secret_key="test-secret-" + "x" * 40)
    return create_app(settings, config_module.parse(data))


def test_every_route_declares_who_may_use_it(route_table_app: Starlette) -> None:
    walked = list(walk(route_table_app.routes))
    assert len(walked) >= 5  # the walk found the route table
    assert uncovered(route_table_app.routes) == []


async def _plain(request: Request) -> Response:
    return PlainTextResponse("no rule")


def test_the_coverage_check_catches_a_route_without_a_rule(route_table_app: Starlette) -> None:
    nested = Router(
        routes=[
            route("/fine", _plain, access=SIGNED_IN, name="fine"),
            Route("/nested-sneaky", _plain, name="nested_sneaky"),
        ]
    )
    routes = [
        *route_table_app.routes,
        Route("/sneaky", _plain, name="sneaky"),
        Mount("/files", app=StaticFiles(directory=Path(__file__).parent), name="files"),
        Mount("/sub", app=nested, name="sub"),
    ]
    assert uncovered(routes) == [
        "Route /sneaky (sneaky)",
        "Mount /files/ (files)",
        "Route /sub/nested-sneaky (nested_sneaky)",
    ]


def _example(path: str, convertors: dict[str, Convertor[Any]]) -> str:
    """``path`` with every parameter filled in with a plausible value that names nothing."""
    values: dict[str, str] = {}
    for name, convertor in convertors.items():
        if isinstance(convertor, IntegerConvertor):
            values[name] = convertor.to_string(1)
        elif isinstance(convertor, FloatConvertor):
            values[name] = convertor.to_string(1.5)
        elif isinstance(convertor, UUIDConvertor):
            values[name] = convertor.to_string(uuid.uuid4())
        else:  # str, path, and anything custom: a random id names no real record
            values[name] = str(uuid.uuid4())
    return path.format(**values)


def _anonymous_get_targets(routes: Sequence[BaseRoute]) -> list[tuple[str, str]]:
    targets = []
    for walked in walk(routes):
        if walked.access is None or walked.access.public:
            continue
        methods = getattr(walked.route, "methods", None) or set()
        if isinstance(walked.route, Route) and "GET" in methods:
            targets.append((walked.label, _example(walked.path, walked.convertors)))
    return targets


async def test_signed_out_visitors_never_see_a_non_public_page(client: Client) -> None:
    targets = _anonymous_get_targets(client.recorder.app.routes)
    assert any(path == "/" for _, path in targets)  # the home page is one of them
    wrong = []
    for label, path in targets:
        response = await client.get(path)
        if response.status_code == 303:
            location = response.headers["location"]
            if urlsplit(location).path != "/login":
                wrong.append(f"{label}: redirects to {location}, not the sign-in page")
        elif response.status_code != 401:
            wrong.append(f"{label}: {path} answered {response.status_code}")
        as_program = await client.get(path, headers={"Accept": "application/json"})
        if as_program.status_code != 401:
            wrong.append(f"{label}: a JSON client got {as_program.status_code}, not 401")
    assert wrong == []


def test_example_paths_fill_every_parameter() -> None:
    table = [
        Mount(
            "/teams/{team}",
            routes=[route("/notes/{id:uuid}/v/{n:int}", _plain, access=PUBLIC, name="x")],
        )
    ]
    walked = next(walk(table))
    filled = _example(walked.path, walked.convertors)
    _, teams, team, notes, note_id, _, number = filled.split("/")
    assert (teams, notes, number) == ("teams", "notes", "1")
    assert uuid.UUID(team) and uuid.UUID(note_id)

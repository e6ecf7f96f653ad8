"""What the offline client is told by the server: ``#kx-config`` on every page holds each record
kind's list page and label fields (from the kinds' descriptions), and ``/api/session`` lists the
pages to keep ready offline."""

from __future__ import annotations

import json
import re

from starlette.applications import Starlette

from kexpwa.web import client as client_module
from tests.capture_helpers import sign_in
from tests.conftest import Client
from tests.support import UserFactory

KINDS = {
    "note": {
        "list": "/notes",
        "label": ["title"],
        "limits": {"title": 200, "body": 20_000},
        "edit": "/notes/{id}/edit",
        "form": "/notes/offline-edit",
        "scanned": ["title", "body"],
    },
    "journal": {
        "list": "/journal",
        "label": ["title"],
        "limits": {"title": 200, "session_title": 200, "sections": 20_000},
        "edit": "/journal/{id}/edit",
        "form": "/journal/offline-edit",
        "scanned": ["title", "sections."],
    },
    "time": {
        "list": "/time",
        "label": ["activity", "duration"],
        "limits": {"note": 500},
        "duration": {"max_minutes": 1440, "max_text": 30},
        "edit": "/time/{id}/edit",
        "form": "/time/offline-edit",
        "scanned": ["note"],
    },
    "project": {
        "list": "/projects",
        "label": ["title"],
        "limits": {"title": 200, "question": 2000},
        "edit": "/projects/{id}/edit",
        "form": "/projects/offline-edit",
        "scanned": ["title", "question"],
    },
    # One record per person, edited on its own page (no edit route; the page is its form).
    "participation": {
        "list": "/participation",
        "label": [],
        "limits": {},
        "edit": None,
        "form": "/participation",
        "scanned": [],
    },
}


def _config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="kx-config">(.*?)</script>', html)
    assert match, "no #kx-config on the page"
    return dict(json.loads(match.group(1)))


async def test_every_page_describes_the_kinds(
    client: Client, users: UserFactory, app: Starlette
) -> None:
    login = await client.get("/login")  # signed out pages carry it too
    assert _config(login.text)["kinds"] == KINDS
    await sign_in(client, users)
    config = _config((await client.get("/notes")).text)
    assert config["kinds"] == KINDS
    assert "lists" not in config  # the kinds carry their list pages
    assert (config["sw"], config["login"]) == ("/sw.js", "/login")
    # Built once for the app's router, then reused by every render.
    cached = getattr(app.router, client_module.CACHE_ATTR)
    await client.get("/time")
    assert getattr(app.router, client_module.CACHE_ATTR) is cached


async def test_session_lists_the_pages_to_keep_ready(client: Client, users: UserFactory) -> None:
    await sign_in(client, users)
    warm = (await client.get("/api/session")).json()["warm"]
    assert warm[:16] == [
        "/",
        "/notes",
        "/notes/new",
        "/notes/offline-edit",
        "/journal",
        "/journal/new",
        "/time",
        "/time/new",
        "/time/offline-edit",
        "/projects",
        "/projects/new",
        "/projects/offline-edit",
        "/participation",
        "/attention",
        "/device",
        "/sessions",  # the reflection-group sessions, with their reading
    ]
    per_template = warm[16:]
    half = len(per_template) // 2
    assert half and all(p.startswith("/journal/new?template=") for p in per_template[:half])
    assert all(p.startswith("/journal/offline-edit?template=") for p in per_template[half:])


async def test_the_offline_page_links_every_list_and_no_one(client: Client) -> None:
    """What the worker shows for a page it has not kept: links to each kind's list (which it
    keeps), and nothing about whoever is signed in."""
    response = await client.get("/offline")
    assert response.status_code == 200
    links = re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', response.text)
    assert links[:4] == [
        ("/notes", "Fieldwork notes"),
        ("/journal", "Journal"),
        ("/time", "Time"),
        ("/projects", "Projects"),
    ]

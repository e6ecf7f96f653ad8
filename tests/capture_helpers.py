"""Helpers for the capture page tests: a signed-in practitioner that posts forms, valid form
data for each kind, and records made straight through the domain for quick setup."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kexpwa import settings as settings_module
from kexpwa import tenancy
from kexpwa.domain import changes, days
from kexpwa.domain.kinds import Context
from kexpwa.domain.registry import get
from kexpwa.models.account import Role
from tests import support
from tests.conftest import Client
from tests.support import Made, UserFactory

HX = {"HX-Request": "true"}
SETTINGS = settings_module.load({})
TODAY = days.today()
ACTIVITY = SETTINGS.activities[0]
TAG = SETTINGS.cpl_tags[5]
# Where each kind's records live, and its form's save route.
PATHS = {"note": "/notes", "journal": "/journal", "time": "/time", "project": "/projects"}


def form(kind: str, **extra: Any) -> dict[str, Any]:
    """What a person would post in ``kind``'s form: valid unless ``extra`` says otherwise."""
    base: dict[str, dict[str, Any]] = {
        "note": {
            "title": "Visit to the carers' group",
            "body": "Three carers spoke about waiting until crisis point.",
            "date": TODAY.isoformat(),
            "time": "14:30",
            "project_id": "",
        },
        "journal": {
            "template": "fook_gardner",
            "title": "A visit that went differently",
            "date": TODAY.isoformat(),
            "session_date": "",
            "session_title": "",
            "source_id": "",
            "sections.incident": "I arrived with a checklist; she wanted to talk first.",
            "sections.learned": "Listen first.",
        },
        "time": {
            "date": TODAY.isoformat(),
            "duration": "1h 30",
            "activity": ACTIVITY,
            "own_time": "false",
            "project_id": "",
            "note": "Reading for the group",
        },
        "project": {
            "title": "Kinship carers and support",
            "question": "What makes it easier to ask for help?",
            "stage": "plan",
            "substep": "question",
            "start_date": "",
        },
    }
    return {**base[kind], **extra}


def domain_data(kind: str, **extra: Any) -> dict[str, Any]:
    """Valid ``data`` for ``changes.upsert`` (the sync engine's shape)."""
    sent = form(kind)
    if kind == "journal":
        sections = {k[9:]: sent.pop(k) for k in list(sent) if k.startswith("sections.")}
        sent["sections"] = sections
    for key in ("project_id", "source_id", "session_date", "start_date"):
        if sent.get(key) == "":
            sent.pop(key)
    return {**sent, **extra}


@dataclass
class Person:
    """A signed-in user in a client, with the session's CSRF token."""

    client: Client
    made: Made
    token: str

    @property
    def user(self) -> Any:
        return self.made.user

    @property
    def authority(self) -> str:
        return self.made.authority

    async def post(self, path: str, data: dict[str, Any], **kw: Any) -> Any:
        return await self.client.post(path, data={"csrf_token": self.token, **data}, **kw)

    async def save(
        self, kind: str, rid: uuid.UUID, data: dict[str, Any], version: int | str = ""
    ) -> Any:
        body = {"id": str(rid), "version": str(version), **data}
        return await self.post(f"{PATHS[kind]}/{rid}", body)

    async def make(self, kind: str, rid: uuid.UUID | None = None, **extra: Any) -> Any:
        """A record of ``kind`` made through the domain (quicker than a form post)."""
        rid = rid or uuid.uuid4()
        ctx = Context.of(self.user, SETTINGS)
        with tenancy.bound(self.authority):
            applied = await changes.upsert(ctx, kind, rid, domain_data(kind, **extra), None)
        return applied.record

    async def reload(self, kind: str, rid: uuid.UUID) -> Any:
        found = get(kind)
        assert found is not None
        with tenancy.bound(self.authority):
            return await found.model.get_or_none(id=rid)


async def sign_in(
    client: Client,
    users: UserFactory,
    authority: str = "edinburgh",
    username: str = "pat",
    role: Role = Role.PRACTITIONER,
) -> Person:
    made = await users(authority, username, role)
    response = await support.sign_in(client, made)
    assert response.status_code == 303, response.text
    token = await support.csrf(client, "/")
    return Person(client, made, token)


def hidden(html: str, name: str) -> str:
    """The value of the hidden input ``name`` in ``html`` (the first one)."""
    match = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden input {name!r}"
    return match.group(1)


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()

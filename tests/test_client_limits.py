"""The phone's text limits are the server's: every limit in the client config
(kexpwa.domain.checks, served as ``kinds[kind].limits``) is the exact length the server's form
accepts, one character more being refused with the message the phone also shows."""

from __future__ import annotations

import uuid

import pytest

from kexpwa.domain.checks import LIMITS
from tests.capture_helpers import form, sign_in
from tests.conftest import Client
from tests.support import UserFactory

CASES = [(kind, name, limit) for kind, fields in LIMITS.items() for name, limit in fields.items()]


@pytest.mark.parametrize(("kind", "name", "limit"), CASES, ids=[f"{k}-{n}" for k, n, _ in CASES])
async def test_the_served_limit_is_the_servers_limit(
    client: Client, users: UserFactory, kind: str, name: str, limit: int
) -> None:
    pat = await sign_in(client, users)
    field = "sections.learned" if name == "sections" else name
    over = await pat.save(kind, uuid.uuid4(), form(kind, **{field: "x" * (limit + 1)}))
    assert over.status_code == 422
    message = client.template.context["errors"][name]
    assert message.endswith(f" can be at most {limit:,} characters; it is {limit + 1:,}.")
    at = await pat.save(kind, uuid.uuid4(), form(kind, **{field: "x" * limit}))
    assert at.status_code in (200, 303), at.text[:300]

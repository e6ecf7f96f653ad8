"""Helpers for the admin tests: an admin signed in, the audit rows of an action."""

from __future__ import annotations

from typing import Any

from kexpwa import tenancy
from kexpwa.models.account import Role
from kexpwa.models.audit import AuditEvent
from tests import support
from tests.conftest import Client
from tests.support import UserFactory


async def signed_in_admin(client: Client, users: UserFactory, name: str = "ada") -> support.Made:
    admin = await users("edinburgh", name, role=Role.ADMIN, team=None)
    assert (await support.sign_in(client, admin)).status_code == 303
    return admin


async def audited(action: str, authority: str = "edinburgh", **match: Any) -> list[AuditEvent]:
    """The authority's audit rows for ``action`` whose fields equal ``match``."""
    with tenancy.bound(authority):
        rows = await AuditEvent.filter(action=action)
    return [r for r in rows if all(str(getattr(r, k)) == str(v) for k, v in match.items())]

"""Helpers for tests: making users, signing in, reading the CSRF token from a page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx2

from kexpwa import accounts, tenancy
from kexpwa.models.account import Role, User

PASSWORD = "correct horse battery"
# argon2id with its cheapest parameters: real hashes, a fraction of a millisecond each. The
# standard profile's cost is tested where it matters (test_passwords.py, the sign-in queue).
TEST_HASH_PROFILE = "fast-for-tests"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Made:
    user: User
    authority: str
    password: str = PASSWORD

    @property
    def username(self) -> str:
        return self.user.username


class UserFactory:
    async def __call__(
        self,
        authority: str,
        username: str,
        role: Role = Role.PRACTITIONER,
        team: str | None = "Team A",
    ) -> Made:
        with tenancy.bound(authority):
            user = await accounts.add_user(
                username=username, password=PASSWORD, role=role, team=team
            )
        return Made(user, authority)


async def csrf(client: httpx2.AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    match = CSRF_RE.search(response.text)
    assert match, f"no csrf meta tag on {path}"
    return match.group(1)


async def sign_in(client: httpx2.AsyncClient, who: Made | tuple[str, str, str]) -> httpx2.Response:
    if isinstance(who, Made):
        authority, username, password = who.authority, who.username, who.password
    else:
        authority, username, password = who
    token = await csrf(client)
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "authority": authority,
            "username": username,
            "password": password,
        },
    )
    return response


async def post_form(
    client: httpx2.AsyncClient, path: str, data: dict[str, Any], *, page: str = "/", **kw: Any
) -> httpx2.Response:
    token = await csrf(client, page)
    return await client.post(path, data={"csrf_token": token, **data}, **kw)


def replace_cookie(client: httpx2.AsyncClient, name: str, value: str) -> None:
    """Swap a cookie's value in place (same domain and path), as a browser would hold it."""
    old = next(c for c in client.cookies.jar if c.name == name)
    client.cookies.delete(name)
    client.cookies.set(name, value, domain=old.domain, path=old.path)

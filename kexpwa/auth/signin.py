"""Signing in: one answer for a wrong username or a wrong password, at the same cost, and
pauses after repeated failures.

- **Per address** (strict): ``max_failures`` failures from one address within the window pause
  that address for every account.
- **Per account** (cannot be used to lock someone out): once an account has ``max_failures``
  failures from anywhere, only addresses with no recent failure may still try it. A correct
  password from such an address signs in, audited with ``paused=True``. Past
  ``HARD_LIMIT_FACTOR`` times the limit (many addresses guessing at one account) it refuses
  everyone until the window passes.
- Input that no account could have (control or broken characters, too long) gets the same
  "do not match" answer and counts as a failure; it never reaches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kexpwa import audit, tenancy
from kexpwa.auth import passwords
from kexpwa.auth.throttle import Throttle
from kexpwa.models.account import User
from kexpwa.models.directory import ResearchAccount

# What a username may be: checked when one is made, and before a sign-in touches a database.
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

RESEARCH_CHOICE = "research"
FAILED = "That username and password do not match an account here. Check both and try again."
HARD_LIMIT_FACTOR = 4


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str = ""
    account: User | ResearchAccount | None = None
    retry_after: int = 0

    @property
    def user_id(self) -> object:
        return self.account.id if self.account else None


def _throttled(seconds: int) -> Outcome:
    minutes = max(1, round(seconds / 60))
    return Outcome(
        False,
        f"Too many attempts. For your account's safety, wait {minutes} minute"
        f"{'s' if minutes != 1 else ''} and try again.",
        retry_after=seconds,
    )


def plausible_username(name: str) -> bool:
    """True if ``name`` (already stripped and lowercased) could name an account at all."""
    return USERNAME_RE.fullmatch(name) is not None


def _wait(throttle: Throttle, account_key: str, client_key: str) -> tuple[int, bool]:
    """(seconds to wait, whether the account is paused) for this attempt."""
    address_wait = throttle.retry_after(client_key)
    if address_wait:
        return address_wait, False
    failures = throttle.count(account_key)
    if failures < throttle.max_failures:
        return 0, False
    account_wait = throttle.retry_after(account_key)
    if failures >= throttle.max_failures * HARD_LIMIT_FACTOR or throttle.count(client_key):
        return account_wait, True
    return 0, True


async def _check(
    authority: str, name: str, password: str
) -> tuple[User | ResearchAccount | None, bool]:
    """(the account named, whether the password is right and the account active)."""
    account: User | ResearchAccount | None = None
    if plausible_username(name):
        model = ResearchAccount if authority == RESEARCH_CHOICE else User
        account = await model.get_or_none(username=name)
    ok = await passwords.verify_async(account.password_hash if account else None, password)
    return account, ok and account is not None and account.is_active


async def sign_in(
    throttle: Throttle, *, authority: str, username: str, password: str, client: str
) -> Outcome:
    """Check credentials for ``authority`` (a council slug, or ``research``). Never raises for
    odd input: anything that cannot name an account is a failure like a wrong password."""
    name = username.strip().lower()
    account_key, client_key = f"acct:{authority}:{name[:64]!r}", f"addr:{client}"
    wait, paused = _wait(throttle, account_key, client_key)
    if wait:
        return _throttled(wait)
    research = authority == RESEARCH_CHOICE
    with tenancy.unbound() if research else tenancy.bound(authority):
        account, ok = await _check(authority, name, password)
        if not ok:
            throttle.fail(account_key, client_key)
            inactive = account is not None and not account.is_active
            if research:
                await audit.record_directory(
                    "signin.failed", actor_id=account.id if account else None
                )
            else:
                await audit.record(
                    "signin.failed",
                    actor_id=account.id if account else None,
                    reason="inactive" if inactive else "credentials",
                )
            return Outcome(False, FAILED)
        assert account is not None
        if not paused:  # a pause stays for the others trying this account
            throttle.succeed(account_key)
        detail: dict[str, Any] = {"paused": True} if paused else {}
        if research:
            await audit.record_directory("signin", actor_id=account.id, **detail)
            return Outcome(True, account=account)
        assert isinstance(account, User)
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = await passwords.rehash_async(password)
            await account.save(update_fields=["password_hash"])
        await audit.record("signin", actor_id=account.id, actor_role=account.role.value, **detail)
        return Outcome(True, account=account)

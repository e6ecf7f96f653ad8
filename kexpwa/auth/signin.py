"""Signing in: one answer for a wrong username or a wrong password, at the same cost, and a
pause after repeated failures per account and per client address."""

from __future__ import annotations

from dataclasses import dataclass

from kexpwa import audit, tenancy
from kexpwa.auth import passwords
from kexpwa.auth.throttle import Throttle
from kexpwa.models.account import User
from kexpwa.models.directory import ResearchAccount

RESEARCH_CHOICE = "research"
FAILED = "That username and password do not match an account here. Check both and try again."


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str = ""
    user_id: object = None
    session_version: int = 0
    retry_after: int = 0


def _throttled(seconds: int) -> Outcome:
    minutes = max(1, round(seconds / 60))
    return Outcome(
        False,
        f"Too many attempts. For your account's safety, wait {minutes} minute"
        f"{'s' if minutes != 1 else ''} and try again.",
        retry_after=seconds,
    )


async def sign_in(
    throttle: Throttle, *, authority: str, username: str, password: str, client: str
) -> Outcome:
    """Check credentials for ``authority`` (a council slug, or ``research``)."""
    name = username.strip().lower()[:64]
    account_key, client_key = f"acct:{authority}:{name}", f"addr:{client}"
    wait = throttle.retry_after(account_key, client_key)
    if wait:
        return _throttled(wait)
    if authority == RESEARCH_CHOICE:
        account = await ResearchAccount.get_or_none(username=name)
        ok = passwords.verify(account.password_hash if account else None, password)
        ok = ok and account is not None and account.is_active
        if not ok:
            throttle.fail(account_key, client_key)
            await audit.record_directory("signin.failed", actor_id=account.id if account else None)
            return Outcome(False, FAILED)
        assert account is not None
        throttle.succeed(account_key)
        await audit.record_directory("signin", actor_id=account.id)
        return Outcome(True, user_id=account.id, session_version=account.session_version)
    with tenancy.bound(authority):
        user = await User.get_or_none(username=name)
        ok = passwords.verify(user.password_hash if user else None, password)
        ok = ok and user is not None and user.is_active
        if not ok:
            throttle.fail(account_key, client_key)
            await audit.record(
                "signin.failed",
                actor_id=user.id if user else None,
                reason="inactive" if user is not None and not user.is_active else "credentials",
            )
            return Outcome(False, FAILED)
        assert user is not None
        throttle.succeed(account_key)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.rehash(password)
            await user.save(update_fields=["password_hash"])
        await audit.record("signin", actor_id=user.id, actor_role=user.role.value)
        return Outcome(True, user_id=user.id, session_version=user.session_version)

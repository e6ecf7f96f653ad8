"""argon2id password hashing, with a dummy verify so unknown users cost the same as wrong
passwords (no account enumeration by timing)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with the library's current RFC 9106 low-memory profile
_DUMMY_HASH = _hasher.hash("kexpwa-dummy-password-for-timing")


class PasswordPolicyError(ValueError):
    """A new password does not meet the policy."""


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"Passwords need at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"Passwords can have at most {MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def rehash(password: str) -> str:
    """A fresh hash of an already-accepted password (parameters upgraded, policy not re-run)."""
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches. With no stored hash, spends the same time and says False."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)

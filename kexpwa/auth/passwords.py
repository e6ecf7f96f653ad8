"""argon2id password hashing, with a dummy verify so unknown users cost the same as wrong
passwords (no account enumeration by timing).

A hash or verify takes tens of milliseconds of CPU. Requests use the ``*_async`` forms, which
run it in a worker thread, at most ``CONCURRENT_HASHES`` at a time: the event loop stays free to
answer every other request (``/healthz`` included) while sign-ins queue for the limiter.
"""

from __future__ import annotations

import asyncio

import anyio.to_thread
from anyio import CapacityLimiter
from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256

CONCURRENT_HASHES = 2  # of the deployment's few cores, leave the rest to everything else

# argon2id profiles by setting name (KEXPWA_PASSWORD_HASH_PROFILE). "standard" is the
# library's RFC 9106 low-memory profile (64 MiB, 3 passes); "fast-for-tests" is argon2's own
# cheapest profile, for test suites only (settings refuse it in production mode). A hash records
# its parameters, so either verifies the other's, and sign-in upgrades a cheaper one.
PROFILES: dict[str, Parameters] = {
    "standard": profiles.RFC_9106_LOW_MEMORY,
    "fast-for-tests": profiles.CHEAPEST,
}
STANDARD = "standard"
_DUMMY_PASSWORD = "kexpwa-dummy-password-for-timing"  # noqa: S105 (hashed, matched by nobody)

_hasher = PasswordHasher.from_parameters(PROFILES[STANDARD])
# Made by use_profile, which the app and the CLI call at start, not at import: a standard hash
# costs about 0.6 s of CPU, and every process (each CLI command, each test server) would pay it
# once more before switching to its configured profile.
_DUMMY_HASH: str | None = None
_profile = STANDARD


def use_profile(name: str) -> None:
    """Hash new passwords with the named profile from now on (one per process: the app and the
    CLI apply the setting at start), and make the dummy hash unknown users are checked against
    now, so the first sign-in of an unknown user costs what every later one does."""
    global _hasher, _DUMMY_HASH, _profile
    if name == _profile and _DUMMY_HASH is not None:
        return
    _hasher = PasswordHasher.from_parameters(PROFILES[name])
    _DUMMY_HASH = _hasher.hash(_DUMMY_PASSWORD)
    _profile = name


def _dummy_hash() -> str:
    if _DUMMY_HASH is None:  # a process that never called use_profile
        use_profile(_profile)
    assert _DUMMY_HASH is not None
    return _DUMMY_HASH


class PasswordPolicyError(ValueError):
    """A new password does not meet the policy."""


def check_policy(password: str) -> None:
    if not storable(password):
        raise PasswordPolicyError("Passwords cannot hold control or broken characters.")
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


def storable(text: str) -> bool:
    """False for text with NUL or a lone surrogate (which no database or hash can take)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def verify(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches. With no stored hash, spends the same time and says False.
    Blocks for the hash's duration: from async code use :func:`verify_async`."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    if not storable(password):
        password, stored_hash = "", None  # still spend the time, then say no
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


_limiter: tuple[asyncio.AbstractEventLoop, CapacityLimiter] | None = None


def _limiter_here() -> CapacityLimiter:
    # A limiter belongs to one event loop; a process normally has one, the tests several.
    global _limiter
    loop = asyncio.get_running_loop()
    if _limiter is None or _limiter[0] is not loop:
        _limiter = (loop, CapacityLimiter(CONCURRENT_HASHES))
    return _limiter[1]


async def verify_async(stored_hash: str | None, password: str) -> bool:
    """:func:`verify` in a worker thread (bounded), leaving the event loop free."""
    return await anyio.to_thread.run_sync(verify, stored_hash, password, limiter=_limiter_here())


async def hash_async(password: str) -> str:
    """:func:`hash_password` in a worker thread (bounded); raises PasswordPolicyError."""
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_limiter_here())


async def rehash_async(password: str) -> str:
    """:func:`rehash` in a worker thread (bounded)."""
    return await anyio.to_thread.run_sync(rehash, password, limiter=_limiter_here())

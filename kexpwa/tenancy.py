"""Which authority's database a query goes to, and the guarantee that it never goes anywhere else.

Every request (and every CLI command) binds exactly one authority with :func:`bound`. Tortoise
asks :class:`AuthorityRouter` where each model query goes; the router answers with the bound
authority's connection, and **raises** when nothing or an unknown authority is bound. It never
returns None, because Tortoise would then silently use the model's default connection.

The ``authority`` app's default connection is ``void``: an empty database of the same dialect
with no tables (see :mod:`kexpwa.db`), so even a query that bypassed the router would fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

DIRECTORY_ALIAS = "directory"
VOID_ALIAS = "void"
AUTHORITY_APP = "authority"
DIRECTORY_APP = "directory"

_current: ContextVar[str | None] = ContextVar("kexpwa_authority", default=None)
_known: frozenset[str] = frozenset()


class AuthorityError(RuntimeError):
    """A query needed an authority and none (or an unknown one) was bound."""


def alias(slug: str) -> str:
    """The Tortoise connection name for an authority."""
    return f"authority_{slug.replace('-', '_')}"


def set_known(slugs: Iterator[str] | tuple[str, ...] | list[str]) -> None:
    """Declare the configured authorities; called once when databases are opened."""
    global _known
    _known = frozenset(slugs)


def known() -> frozenset[str]:
    return _known


def current() -> str:
    """The bound authority's slug. Raises AuthorityError if none or an unknown one is bound."""
    slug = _current.get()
    if slug is None:
        raise AuthorityError("no authority is bound to this request or task")
    if slug not in _known:
        raise AuthorityError(f"authority {slug!r} is not configured")
    return slug


def current_or_none() -> str | None:
    return _current.get()


@contextmanager
def bound(slug: str) -> Iterator[str]:
    """Route every authority-model query inside the block to ``slug``'s database."""
    if slug not in _known:
        raise AuthorityError(f"authority {slug!r} is not configured")
    token = _current.set(slug)
    try:
        yield slug
    finally:
        _current.reset(token)


def each(slugs: Iterable[str]) -> Iterator[str]:
    """Bind each authority in ``slugs`` in turn, for CLI and worker loops::

        for slug in tenancy.each(cfg.slugs):
            await work()          # runs bound to ``slug`` only

    Fails closed before anything runs: every slug is checked first, and one that is not
    configured raises AuthorityError at the call, so no authority is half-done. The binding
    ends when the loop moves on, breaks or raises.

    A plain (not async) iterator on purpose: its ``finally`` runs in the caller's context the
    moment the loop is left, whereas an async generator left by ``break`` is closed later by
    the event loop, in another context, and would leave the last authority bound.
    """
    chosen = tuple(slugs)
    unknown = [slug for slug in chosen if slug not in _known]
    if unknown:
        raise AuthorityError(f"authority {unknown[0]!r} is not configured")
    return _each(chosen)


def _each(slugs: tuple[str, ...]) -> Iterator[str]:
    for slug in slugs:
        with bound(slug):
            yield slug


@contextmanager
def unbound() -> Iterator[None]:
    """Run a block with no authority bound (the research account's requests do this)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def connection() -> BaseDBAsyncClient:
    """The bound authority's connection (the transaction client inside ``in_transaction``)."""
    return get_connection(alias(current()))


class AuthorityRouter:
    """Tortoise router: authority models go to the bound authority, directory models to the
    directory. Raises rather than returning None for anything it cannot place."""

    def _route(self, model: type[Any]) -> str:
        app = model._meta.app
        if app == DIRECTORY_APP:
            return DIRECTORY_ALIAS
        if app == AUTHORITY_APP:
            return alias(current())
        # Tortoise's own migration bookkeeping models are not routed here.
        raise AuthorityError(f"model {model.__name__} belongs to no known app ({app!r})")

    def db_for_read(self, model: type[Any]) -> str:
        return self._route(model)

    def db_for_write(self, model: type[Any]) -> str:
        return self._route(model)

"""A capture area (notes, journal, time, projects) as its pages see it: what it is called and
how its forms are filled (:class:`Area`), and whose request it is (the owner, their change
context, the record id in the path). Shared by :mod:`kexpwa.views.capture` (lists, forms, save)
and :mod:`kexpwa.views.capture_bin` (delete, restore, recently deleted)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from kexpwa.domain import registry
from kexpwa.domain.kinds import Context, Kind
from kexpwa.models.account import User
from kexpwa.web.access import principal_of

Extras = Callable[[Request, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _no_extras(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    return {}


def _no_defaults() -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Area:
    """A capture area's pages. What the record kind itself is (its fields, list order and
    filters, list route) comes from its :class:`~kexpwa.domain.kinds.Kind`."""

    kind: str  # the domain's kind: "note"
    folder: str  # templates/<folder>/: "notes"
    stem: str  # route names: "note" -> note_new, note_save, note_edit, ...
    noun: str  # for people: "note"
    plural: str  # "notes"
    summary: Callable[[Any], str]  # one line naming a record, for undo and recently deleted
    describe: Callable[[Any], list[tuple[str, str]]]  # (label, text) pairs, for conflicts
    defaults: Callable[[], dict[str, Any]] = _no_defaults  # a new form's values
    extras: Extras = _no_extras  # what the form needs besides values (pickers, template)
    # The offline edit form's values besides the defaults (the journal's: its template); None
    # refuses the request (404).
    offline_values: Callable[[Request], dict[str, Any] | None] = lambda request: {}
    to_values: Callable[[Any], dict[str, Any]] | None = None  # record -> form values
    show_route: str | None = None  # where a saved record is shown; default: the list

    @property
    def spec(self) -> Kind:
        return registry.kind_of(self.kind)

    @property
    def list_route(self) -> str:
        return self.spec.list_route

    @property
    def filters(self) -> tuple[str, ...]:
        """The list filters offered: "project", "tag"."""
        return self.spec.filters

    def name(self, action: str) -> str:
        return f"{self.stem}_{action}"

    def template(self, name: str) -> str:
        return f"{self.folder}/{name}.html"


def owner_of(request: Request) -> uuid.UUID:
    return principal_of(request).id


async def context_of(request: Request) -> Context:
    user = await User.get(id=owner_of(request))
    return Context.of(user, request.app.state.settings)


def record_id(request: Request) -> uuid.UUID:
    value = request.path_params["id"]
    assert isinstance(value, uuid.UUID)
    return value

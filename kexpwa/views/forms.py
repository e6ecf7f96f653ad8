"""From an HTML form post to the ``data`` the domain's change functions take.

The forms use the domain's field names, and each kind declares which fields its form posts
(:class:`kexpwa.domain.kinds.Form`), so this only does what HTML forms cannot say themselves: a
checkbox left unticked is absent (so it means False), ``tags`` is a list of checkboxes, a
journal entry's sections arrive as ``sections.<key>``, and an empty ``version`` means a new
record (an existing record's edit or delete must carry its version: the domain refuses one
without it as a conflict). The offline layer (static/js) posts the same fields.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from kexpwa.domain import flags, registry

# Domain error keys that are shown on another form field.
SHOWN_ON = {"minutes": "duration"}


@dataclass(frozen=True)
class Submitted:
    """One form post: which record, the version it was based on, and the change."""

    id: uuid.UUID
    version: int | None
    data: dict[str, Any]


def to_data(kind_name: str, form: FormData) -> dict[str, Any]:
    """The domain ``data`` for a kind's form; fields of other kinds are ignored."""
    spec = registry.kind_of(kind_name).form
    data: dict[str, Any] = {}
    for name in spec.text:
        value = form.get(name)
        data[name] = value if isinstance(value, str) else ""
    for name in spec.flags:
        data[name] = form.get(name) == "true"
    for name in spec.lists:
        data[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    # "Save anyway" from the identifier warning (kexpwa.domain.flags); absent or empty: none.
    save_anyway = form.get(flags.SAVE_ANYWAY)
    if isinstance(save_anyway, str) and save_anyway:
        data[flags.SAVE_ANYWAY] = save_anyway
    for name in spec.maps:
        prefix = f"{name}."
        data[name] = {
            key.removeprefix(prefix): value
            for key, value in form.multi_items()
            if key.startswith(prefix) and isinstance(value, str)
        }
    return data


def base_version(raw: object) -> int | None:
    """The ``version`` field: empty (or 0) for a new record, else the version it was based on."""
    if raw in (None, "", "0"):
        return None
    try:
        number = int(str(raw))
    except ValueError:
        raise HTTPException(400, "The form's version field is not a number.") from None
    if number < 0:
        raise HTTPException(400, "The form's version field is not a number.")
    return number


def record_id(form: FormData, path_id: uuid.UUID) -> uuid.UUID:
    """The ``id`` field, which must name the same record as the URL."""
    raw = form.get("id")
    if raw not in (None, ""):
        try:
            same = uuid.UUID(str(raw)) == path_id
        except ValueError:
            same = False
        if not same:
            raise HTTPException(400, "The form's id does not match the address it was sent to.")
    return path_id


async def read(request: Request, kind: str) -> Submitted:
    form = await request.form()
    path_id = request.path_params["id"]
    assert isinstance(path_id, uuid.UUID)
    return Submitted(
        record_id(form, path_id), base_version(form.get("version")), to_data(kind, form)
    )


def field_errors(fields: dict[str, str]) -> dict[str, str]:
    """The domain's field messages keyed by the form field that shows them."""
    return {SHOWN_ON.get(name, name): message for name, message in fields.items()}

"""The set-based writes of a :class:`kexpwa.domain.batch.Batch`'s flush that Tortoise has no
fast form of: new rows built without its per-field checks (:func:`build`), inserted and
updated in one ``executemany`` each, and the key-share locks on what written records reference.

Measured in-process on a push of 200 notes (py-spy, bench/README.md "Sync figures"): Tortoise's
``Model.__init__`` and ``bulk_create``'s per-row work were a third of the push's Python time,
more than the validation and identifier scan together."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.data import DatetimeField
from tortoise.models import Model

from kexpwa.domain.kinds import Kind
from kexpwa.models.records import Record

M = TypeVar("M", bound=Model)
_IMMUTABLE = (type(None), int, float, str, bool, bytes, date, datetime, uuid.UUID, Decimal)
# model -> (the attributes every new row starts with, the defaults made per row), or None for
# a model whose defaults only Tortoise may apply (an async default).
Template = tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]
_TEMPLATES: dict[type[Model], Template | None] = {}


def _template(model: type[Model]) -> Template | None:
    if model not in _TEMPLATES:
        blank = model()  # Tortoise's own defaults: with no values, nothing is checked
        made: list[tuple[str, Callable[[], Any]]] = []
        for name, value in blank.__dict__.items():
            field = model._meta.fields_map.get(name)
            default = field.default if field is not None else None
            if inspect.iscoroutinefunction(default):
                _TEMPLATES[model] = None
                return None
            if callable(default):
                made.append((name, default))
            elif not isinstance(value, _IMMUTABLE):  # a fresh copy per row, as __init__ makes
                made.append((name, _copier(value)))
        plain = {k: v for k, v in blank.__dict__.items() if k not in dict(made)}
        _TEMPLATES[model] = (plain, tuple(made))
    return _TEMPLATES[model]


def _copier(value: Any) -> Callable[[], Any]:
    return lambda: deepcopy(value)


def build(model: type[M], **values: Any) -> M:
    """``model(**values)`` for values already of their Python types (a validated record, a
    log row), with the same defaults for the fields not given, without Tortoise's per-value
    checks and conversions (about a sixth of the time)."""
    template = _template(model)
    if template is None:
        return model(**values)
    plain, made = template
    row = model.__new__(model)
    state = row.__dict__
    state.update(plain)
    state["_await_when_save"] = {}
    for name, make in made:
        state[name] = make()
    state.update(values)
    return row


async def insert_many(model: type[Model], rows: list[Model], conn: BaseDBAsyncClient) -> None:
    """``model.bulk_create(rows)``: one ``INSERT`` run for all rows (``executemany``), values
    through Tortoise's ``to_db_value`` as ``bulk_create`` converts them, but the time stamps
    (``auto_now``, ``auto_now_add``) taken once for all rows, not read from the clock per field
    per row. A model with a database-made key or database defaults goes to ``bulk_create``."""
    meta = model._meta
    fields_map = meta.fields_map
    if meta.generated_db_fields or any(f.has_db_default() for f in fields_map.values()):
        await model.bulk_create(rows, using_db=conn)
        return
    names = list(meta.fields_db_projection)
    fields = [fields_map[n] for n in names]
    now = timezone.localtime()
    stamped = {
        n: (f.auto_now, f.to_python_value(now))
        for n, f in zip(names, fields, strict=True)
        if isinstance(f, DatetimeField) and (f.auto_now or f.auto_now_add)
    }
    pairs = list(zip(names, fields, strict=True))
    values: list[list[Any]] = []
    for row in rows:
        state, out = row.__dict__, []
        for name, field in pairs:
            stamp = stamped.get(name)
            if stamp is not None and (stamp[0] or state.get(name) is None):
                state[name] = stamp[1]
                out.append(now)
            else:
                out.append(field.to_db_value(getattr(row, name), row))
        values.append(out)
    marks = _marks(conn, len(names))
    columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n in names)
    sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({", ".join(marks)})'  # noqa: S608
    await conn.execute_many(sql, values)
    for row in rows:
        row._saved_in_db = True


def _marks(conn: BaseDBAsyncClient, count: int) -> list[str]:
    if conn.capabilities.dialect == "postgres":
        return [f"${n}" for n in range(1, count + 1)]
    return ["?"] * count


_KEPT = frozenset({"id", "owner_id", "created_at"})  # never changed by a change


async def update_many(model: type[Record], records: list[Record], conn: BaseDBAsyncClient) -> None:
    """Write every changeable column of ``records`` (each already locked by :meth:`Batch.load`):
    one ``UPDATE ... WHERE id = ?`` run for all of them (``executemany``), with the values
    converted as Tortoise's own ``bulk_update`` converts them (``to_db_value``, which also moves
    ``updated_at``). ``bulk_update`` builds one ``CASE`` per column over every row instead:
    building its SQL took longer than the whole raw update of 100 notes."""
    meta = model._meta
    names = [n for n in meta.fields_db_projection if n not in _KEPT]
    fields = [meta.fields_map[n] for n in names]
    marks = _marks(conn, len(names) + 1)
    sets = ", ".join(
        f'"{meta.fields_db_projection[n]}" = {m}' for n, m in zip(names, marks[:-1], strict=True)
    )
    sql = f'UPDATE "{meta.db_table}" SET {sets} WHERE "{meta.db_pk_column}" = {marks[-1]}'  # noqa: S608
    pk = meta.fields_map[meta.pk_attr]
    rows = [
        [f.to_db_value(getattr(r, n), r) for n, f in zip(names, fields, strict=True)]
        + [pk.to_db_value(r.pk, r)]
        for r in records
    ]
    await conn.execute_many(sql, rows)


async def hold_references(written: list[tuple[Kind, Record]], conn: BaseDBAsyncClient) -> None:
    """``changes._hold_references`` for a batch: one key-share lock query per referenced table."""
    if conn.capabilities.dialect != "postgres":
        return
    targets: dict[str, set[uuid.UUID]] = {}
    for kind, record in written:
        for ref in kind.references:
            target = getattr(record, ref.field)
            if target is not None:
                targets.setdefault(ref.target._meta.db_table, set()).add(target)
    for table in sorted(targets):
        sql = f'SELECT 1 FROM "{table}" WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE'  # noqa: S608
        await conn.execute_query(sql, [sorted(targets[table])])

"""The set-based writes of a :class:`kexpwa.domain.batch.Batch`'s flush that Tortoise has no
fast form of: the key-share locks on what the written records reference, and the update of
many changed records in one ``executemany``."""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from kexpwa.domain.kinds import Kind
from kexpwa.models.records import Record

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
    marks = [f"${n}" for n in range(1, len(names) + 2)]
    if conn.capabilities.dialect != "postgres":
        marks = ["?"] * len(marks)
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

"""A practitioner's research participation: whether their time log and research stages go into
the research dataset. A synced record (:class:`~kexpwa.models.records.Record`) so the choice can
be made offline: one per person, its id derived from theirs
(:func:`kexpwa.domain.participation.record_id`). No record means "no" (the default); every
change is also kept, dated, as a ``SharingChange`` (kind ``participation``, audience
``research``), so a withdrawal is on record."""

from __future__ import annotations

from tortoise import fields

from kexpwa.models.records import Record


class Participation(Record):
    time_and_projects = fields.BooleanField(default=False)

    class Meta:
        table = "participation"

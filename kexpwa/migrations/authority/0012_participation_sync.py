from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
import uuid
from uuid import uuid4
from tortoise import fields

from kexpwa.domain.participation import record_id
from kexpwa.models.consent import Participation
from kexpwa.models.records import SharingChange


async def copy_choices(apps, schema_editor):
    """Each ``research_consent`` row becomes the person's participation record (a synced
    record, with the next change number, so a pull brings it to their devices), and its dated
    history is re-keyed from the person's id to the record's id."""
    conn = schema_editor.client
    rows = await conn.execute_query_dict(
        "SELECT user_id, time_and_projects FROM research_consent ORDER BY id"
    )
    for row in rows:
        user_id = uuid.UUID(str(row["user_id"]))
        counter = await conn.execute_query_dict(
            "UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value"
        )
        await Participation.create(
            id=record_id(user_id),
            owner_id=user_id,
            version=1,
            change_no=int(counter[0]["value"]) if counter else 1,  # no counter: no pulls yet
            time_and_projects=bool(row["time_and_projects"]),
            using_db=conn,
        )
        await SharingChange.filter(kind="participation", record_id=user_id).using_db(
            conn
        ).update(record_id=record_id(user_id))

class Migration(migrations.Migration):
    dependencies = [('authority', '0011_push')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Participation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('authority.User', source_field='owner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField(default=1)),
                ('change_no', fields.BigIntField(db_index=True)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('time_and_projects', fields.BooleanField(default=False)),
            ],
            options={'table': 'participation', 'app': 'authority', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.RunPython(copy_choices, ops.RunPython.noop),
        ops.DeleteModel(name='ResearchConsent'),
    ]

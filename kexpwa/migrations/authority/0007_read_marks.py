from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

from kexpwa.domain import tally


async def build_tallies(apps, schema_editor):
    """Existing entries' weekly tallies, from the records (kexpwa.domain.tally)."""
    await tally.rebuild(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('authority', '0006_identifier_flags')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReadMark',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reader_id', fields.UUIDField()),
                ('kind', fields.CharField(max_length=16)),
                ('record_id', fields.UUIDField()),
                ('read_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'read_mark', 'app': 'authority', 'unique_together': (('reader_id', 'kind', 'record_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WeekTally',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner_id', fields.UUIDField()),
                ('week', fields.DateField()),
                ('bucket', fields.CharField(max_length=16)),
                ('entries', fields.IntField(default=0)),
                ('minutes', fields.BigIntField(default=0)),
            ],
            options={'table': 'week_tally', 'app': 'authority', 'unique_together': (('owner_id', 'week', 'bucket'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='JournalEntry',
            index=Index(fields=['share_lead', 'deleted_at', 'date', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Note',
            index=Index(fields=['share_lead', 'deleted_at', 'date', 'time', 'created_at', 'id']),
        ),
        ops.RunPython(build_tallies, ops.RunPython.noop),
    ]

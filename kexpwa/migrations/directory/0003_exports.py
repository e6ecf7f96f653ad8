from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0002_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ResearchExport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('directory.ResearchAccount', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='exports', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True, db_index=True)),
                ('filters', fields.JSONField(default=dict)),
                ('counts', fields.JSONField(default=dict)),
                ('manifest_sha256', fields.CharField(max_length=64)),
            ],
            options={'table': 'research_export', 'app': 'directory', 'pk_attr': 'id', 'table_description': "One finished research export: who, when, the filters, row counts and the manifest's"},
            bases=['Model'],
        ),
    ]

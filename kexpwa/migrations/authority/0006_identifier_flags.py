from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('authority', '0005_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IdentifierFlag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('authority.User', source_field='owner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('record_kind', fields.CharField(max_length=16)),
                ('record_id', fields.UUIDField()),
                ('field', fields.CharField(max_length=80)),
                ('detector', fields.CharField(max_length=16)),
                ('start', fields.IntField()),
                ('end', fields.IntField()),
                ('checked', fields.BooleanField(default=False)),
                ('strong', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved', fields.CharField(null=True, max_length=16)),
            ],
            options={'table': 'identifier_flag', 'app': 'authority', 'indexes': [Index(fields=['record_kind', 'record_id']), Index(fields=['owner_id', 'resolved'])], 'pk_attr': 'id', 'table_description': 'One likely identifier in one field of one record, by position, never its text.'},
            bases=['Model'],
        ),
    ]

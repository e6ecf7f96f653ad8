from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('authority', '0007_read_marks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Feedback',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('authority.User', source_field='owner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField(default=1)),
                ('change_no', fields.BigIntField(db_index=True)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('parent_kind', fields.CharField(max_length=16)),
                ('parent_id', fields.UUIDField()),
                ('parent_owner_id', fields.UUIDField()),
                ('body', fields.TextField(unique=False)),
                ('author_name', fields.CharField(default='', max_length=200)),
                ('by_owner', fields.BooleanField(default=False)),
            ],
            options={'table': 'feedback', 'app': 'authority', 'indexes': [Index(fields=['parent_kind', 'parent_id', 'created_at']), Index(fields=['parent_owner_id', 'change_no'])], 'pk_attr': 'id'},
            bases=['Record'],
        ),
    ]

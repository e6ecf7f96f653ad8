from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='DirectoryAuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('actor_id', fields.UUIDField(null=True)),
                ('action', fields.CharField(db_index=True, max_length=48)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'directory_audit_event', 'app': 'directory', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ResearchAccount',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(max_length=120)),
                ('password_hash', fields.CharField(max_length=255)),
                ('is_active', fields.BooleanField(default=True)),
                ('session_version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'research_account', 'app': 'directory', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

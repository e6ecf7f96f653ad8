from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('authority', '0008_feedback')]

    initial = False

    operations = [
        ops.AddField(
            model_name='SyncClient',
            name='device',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='SyncClient',
            name='revoked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='must_change_password',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='UserSession',
            name='sync_client_id',
            field=fields.UUIDField(null=True),
        ),
    ]

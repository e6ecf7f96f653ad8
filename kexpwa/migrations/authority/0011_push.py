from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('authority', '0010_research_consent')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PushNotification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('subscription', fields.ForeignKeyField('authority.PushSubscription', source_field='subscription_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=16)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'push_notification', 'app': 'authority', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PushPreference',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('user', fields.OneToOneField('authority.User', source_field='user_id', db_constraint=True, to_field='id', related_name='push_preference', on_delete=OnDelete.CASCADE)),
                ('weekly', fields.BooleanField(default=True)),
                ('weekly_day', fields.IntField(default=4)),
                ('weekly_hour', fields.IntField(default=14)),
                ('sessions', fields.BooleanField(default=True)),
                ('feedback', fields.BooleanField(default=True)),
                ('attention', fields.BooleanField(default=True)),
                ('digest', fields.BooleanField(default=False)),
                ('quiet_start', fields.IntField(default=20)),
                ('quiet_end', fields.IntField(default=8)),
                ('quiet_weekends', fields.BooleanField(default=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'push_preference', 'app': 'authority', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReflectionSession',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('title', fields.CharField(max_length=120)),
                ('reading', fields.TextField(default='', unique=False)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'reflection_session', 'app': 'authority', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='PushSubscription',
            name='session_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='PushSubscription',
            name='user_agent',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
    ]

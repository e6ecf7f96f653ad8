from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('authority', '0009_admin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ResearchConsent',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('authority.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE, unique=True)),
                ('time_and_projects', fields.BooleanField(default=False)),
                ('changed_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'research_consent', 'app': 'authority', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

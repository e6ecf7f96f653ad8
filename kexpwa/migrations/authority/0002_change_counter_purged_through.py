from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('authority', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ChangeCounter',
            name='purged_through',
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]

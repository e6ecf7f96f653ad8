from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('authority', '0002_change_counter_purged_through')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='JournalEntry',
            index=Index(fields=['owner_id', 'deleted_at', 'date', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Note',
            index=Index(fields=['owner_id', 'deleted_at', 'date', 'time', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Project',
            index=Index(fields=['owner_id', 'deleted_at', 'updated_at']),
        ),
        ops.AddIndex(
            model_name='TimeEntry',
            index=Index(fields=['owner_id', 'deleted_at', 'date', 'created_at']),
        ),
    ]

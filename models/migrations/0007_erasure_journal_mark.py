"""The erasure journal's mark: how far the journal is reflected in this database (models.journal_mark)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_cockpit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ErasureJournalMark',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('journal_id', fields.CharField(description="the journal file's own id (its header line)", max_length=36)),
                ('journal_offset', fields.BigIntField(description='bytes into the journal: the first line not yet reflected')),
                ('marked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('marked_by', fields.CharField(description='backup or replay', max_length=16)),
            ],
            options={'table': 'erasure_journal_mark', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

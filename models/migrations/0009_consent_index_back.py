from tortoise import migrations
from tortoise.migrations import operations as ops

# On SQLite, 0006's AlterField of ConsentRecord.purpose rebuilt the table and dropped the (contact_id, id) index
# that 0002 made: every read of a page's consents scanned the whole table. PostgreSQL kept it, hence IF NOT EXISTS
# under the name Tortoise gave it there.
INDEX = '"idx_consent_rec_contact_f48df2" ON "consent_record" ("contact_id", "id")'


async def create_consent_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(f"CREATE INDEX IF NOT EXISTS {INDEX}")


async def keep_consent_index(apps, schema_editor) -> None:
    """Going back to 0008 keeps the index: 0008's models declare it too."""


class Migration(migrations.Migration):
    dependencies = [('models', '0008_partners')]

    initial = False

    operations = [
        ops.RunPython(create_consent_index, keep_consent_index),
    ]

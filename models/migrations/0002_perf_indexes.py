from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


async def trigram_search_index(apps, schema_editor) -> None:
    """PostgreSQL: contacts(search:) is `search_text LIKE '%word%'`; a trigram GIN index serves it.

    SQLite has no such index: there the search scans the agency's rows of the folded column.
    pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    """
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    await client.execute_script(
        'CREATE INDEX IF NOT EXISTS "idx_contact_search_text_trgm" ON "contact" USING gin ("search_text" gin_trgm_ops)'
    )


async def drop_trigram_search_index(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script('DROP INDEX IF EXISTS "idx_contact_search_text_trgm"')


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ApiKey',
            index=Index(fields=['agency_id', 'revoked']),
        ),
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['agency_id', 'id']),
        ),
        ops.AddIndex(
            model_name='ConsentRecord',
            index=Index(fields=['contact_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Contact',
            index=Index(fields=['agency_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Contact',
            index=Index(fields=['agency_id', 'last_activity_at']),
        ),
        ops.AddIndex(
            model_name='Session',
            index=Index(fields=['user_id', 'revoked']),
        ),
        ops.AddIndex(
            model_name='SubjectRequest',
            index=Index(fields=['agency_id', 'due_at']),
        ),
        ops.AddIndex(
            model_name='SubjectRequest',
            index=Index(fields=['contact_id']),
        ),
        ops.AddIndex(
            model_name='TravelRequest',
            index=Index(fields=['agency_id', 'id']),
        ),
        ops.AddIndex(
            model_name='TravelRequest',
            index=Index(fields=['contact_id', 'agency_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Traveler',
            index=Index(fields=['request_id', 'position']),
        ),
        ops.AddIndex(
            model_name='User',
            index=Index(fields=['agency_id', 'name']),
        ),
        ops.AddIndex(
            model_name='User',
            index=Index(fields=['team_id', 'name']),
        ),
        ops.RunPython(trigram_search_index, drop_trigram_search_index),
    ]

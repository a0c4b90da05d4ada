"""Issue 11: web rights requests (reference, channel, verification, requester), export deliveries, the outbox.

Existing requests were all opened by staff: they get channel STAFF and verified true from the column
defaults, and a reference each (filled before the column becomes unique and required).
"""

import secrets

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import OutboxStatus, SubjectRequestChannel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


def new_reference() -> str:
    # As resolvers.references makes them (copied: a migration must not change when the app's code does).
    code = "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))
    return f"DSR-{code[:4]}-{code[4:]}"


async def give_references(apps, schema_editor) -> None:
    client = schema_editor.client
    placeholder = "$1" if client.capabilities.dialect == "postgres" else "?"
    second = "$2" if client.capabilities.dialect == "postgres" else "?"
    _, rows = await client.execute_query("SELECT id FROM subject_request WHERE reference IS NULL")
    for row in rows:
        await client.execute_query(
            f"UPDATE subject_request SET reference = {placeholder} WHERE id = {second}", [new_reference(), row["id"]]
        )


async def restore_sqlite_indexes(apps, schema_editor) -> None:
    """SQLite alters a column by rebuilding the table, which drops the indexes of 0002: made again, same names."""
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    await client.execute_script(
        'CREATE INDEX IF NOT EXISTS "idx_subject_req_agency__54c4d8" ON "subject_request" ("agency_id", "due_at");'
        'CREATE INDEX IF NOT EXISTS "idx_subject_req_contact_d2587f" ON "subject_request" ("contact_id");'
    )


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('models', '0002_perf_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='SubjectRequest',
            name='reference',
            field=fields.CharField(null=True, description='public reference, e.g. DSR-7Q4K-M2XD', max_length=16),
        ),
        ops.RunPython(give_references, nothing),
        ops.AlterField(
            model_name='SubjectRequest',
            name='reference',
            field=fields.CharField(unique=True, description='public reference, e.g. DSR-7Q4K-M2XD', max_length=16),
        ),
        ops.RunPython(restore_sqlite_indexes, nothing),
        ops.AddField(
            model_name='SubjectRequest',
            name='channel',
            field=fields.CharEnumField(default=SubjectRequestChannel.STAFF, db_default='STAFF', description='WEB_FORM: WEB_FORM\nSTAFF: STAFF', enum_type=SubjectRequestChannel, max_length=16),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='verified',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='verification_hash',
            field=fields.CharField(null=True, unique=True, description='SHA-256 of the link', max_length=64),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='verification_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='requester_email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='requester_name',
            field=fields.CharField(null=True, max_length=201),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='message',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='language',
            field=fields.CharField(default='fr', db_default='fr', description='fr | en: every mail to the person', max_length=2),
        ),
        ops.AddField(
            model_name='SubjectRequest',
            name='source_url',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.CreateModel(
            name='ExportDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agency', fields.ForeignKeyField('models.Agency', source_field='agency_id', db_constraint=True, to_field='id', related_name='export_deliveries', on_delete=OnDelete.CASCADE)),
                ('subject_request', fields.ForeignKeyField('models.SubjectRequest', source_field='subject_request_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='export_deliveries', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('downloads', fields.IntField(default=0)),
                ('max_downloads', fields.IntField()),
                ('revoked', fields.BooleanField(default=False)),
            ],
            options={'table': 'export_delivery', 'app': 'models', 'indexes': [Index(fields=['subject_request_id']), Index(fields=['contact_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agency', fields.ForeignKeyField('models.Agency', source_field='agency_id', db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE)),
                ('transport', fields.CharField(description='how it is sent: mail (webhook to come)', max_length=16)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: PENDING\nHELD: HELD\nSENT: SENT\nFAILED: FAILED', enum_type=OutboxStatus, max_length=16)),
                ('recipient', fields.CharField(description="an email address, or a webhook's URL", max_length=500)),
                ('subject', fields.CharField(default='', max_length=300)),
                ('body', fields.TextField(description="the mail's text, or a webhook's payload", unique=False)),
                ('body_html', fields.TextField(null=True, unique=False)),
                ('headers', fields.TextField(null=True, description='extra headers as a JSON object (webhooks)', unique=False)),
                ('contact', fields.ForeignKeyField('models.Contact', source_field='contact_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE)),
                ('subject_request', fields.ForeignKeyField('models.SubjectRequest', source_field='subject_request_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(description='not before: the retry backoff', auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, description='a dispatcher is sending it until then', auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, description='no personal data: type and SMTP code', max_length=500)),
            ],
            options={'table': 'outbox', 'app': 'models', 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['agency_id', 'transport', 'id']), Index(fields=['contact_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_erasure_journal_mark')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TrustedDocument',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sha256', fields.CharField(unique=True, description='hex SHA-256 of the body, as UTF-8', max_length=64)),
                ('body', fields.TextField(unique=False)),
                ('operation_name', fields.CharField(null=True, max_length=200)),
                ('source', fields.CharField(description='the manifest it was registered from', max_length=500)),
                ('registered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trusted_document', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Webhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agency', fields.ForeignKeyField('models.Agency', source_field='agency_id', db_constraint=True, to_field='id', related_name='webhooks', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=500)),
                ('events', fields.CharField(description='comma-separated WebhookEvent values', max_length=200)),
                ('secret_salt', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook', 'app': 'models', 'indexes': [Index(fields=['agency_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ApiKey',
            name='trusted_documents_only',
            field=fields.BooleanField(default=False, description='may send registered documents only'),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='webhook',
            field=fields.ForeignKeyField('models.Webhook', source_field='webhook_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE),
        ),
    ]

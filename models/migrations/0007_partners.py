from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_self_service')]

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
        ops.AddField(
            model_name='ApiKey',
            name='trusted_documents_only',
            field=fields.BooleanField(default=False, description='may send registered documents only'),
        ),
    ]

"""Each agency's audit chain head (models.gdpr.AuditChainHead), taken from its trail's last event."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

HEADS = (
    "INSERT INTO audit_chain_head (agency_id, hash) SELECT e.agency_id, e.hash FROM audit_event e"
    " WHERE e.id = (SELECT MAX(x.id) FROM audit_event x WHERE x.agency_id = e.agency_id)"
)


async def take_heads(apps, schema_editor) -> None:
    await schema_editor.client.execute_script(HEADS)


async def drop_heads(apps, schema_editor) -> None:
    """Going back to 0009 drops the table: the chain is then found in audit_event again."""


class Migration(migrations.Migration):
    dependencies = [('models', '0009_consent_index_back')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditChainHead',
            fields=[
                ('agency_id', fields.IntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('hash', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_chain_head', 'app': 'models', 'pk_attr': 'agency_id', 'table_description': "An agency's last audit event's hash: what the next append chains to (resolvers.audit), read by key."},
            bases=['Model'],
        ),
        ops.RunPython(take_heads, drop_heads),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

# On SQLite, AlterField rebuilds the table (SQLite cannot drop a column's UNIQUE) and Tortoise's rebuild
# forgets the table's indexes: they are made again here, with the names Tortoise gives them elsewhere.
SQLITE_USER_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "idx_app_user_email_b12ac1" ON "app_user" ("email")',
    'CREATE INDEX IF NOT EXISTS "idx_app_user_agency__c32146" ON "app_user" ("agency_id", "name")',
    'CREATE INDEX IF NOT EXISTS "idx_app_user_team_id_c02b4c" ON "app_user" ("team_id", "name")',
)


async def restore_sqlite_indexes(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "sqlite":
        for statement in SQLITE_USER_INDEXES:
            await client.execute_script(statement)


async def admins_leave_their_teams(apps, schema_editor) -> None:
    """An ADMIN belongs to no team (auth.policy.ROLES_WITHOUT_TEAM): existing ADMINs lose theirs, and the team of
    the contacts they own follows, as setUserTeam does."""
    client = schema_editor.client
    await client.execute_script(
        "UPDATE contact SET team_id = NULL WHERE owner_id IN (SELECT id FROM app_user WHERE role = 'ADMIN')"
    )
    await client.execute_script("UPDATE app_user SET team_id = NULL WHERE role = 'ADMIN'")


async def nothing_to_undo(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('models', '0002_perf_indexes')]

    initial = False

    operations = [
        # Staff emails are unique per agency, not globally: no agency learns another's staff.
        ops.AlterField(
            model_name='User',
            name='email',
            field=fields.CharField(db_index=True, max_length=254),
        ),
        ops.AddConstraint(
            model_name='User',
            constraint=UniqueConstraint(fields=('agency', 'email'), name=None),
        ),
        ops.RunPython(restore_sqlite_indexes, nothing_to_undo),
        ops.RunPython(admins_leave_their_teams, nothing_to_undo),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.transactions import in_transaction

UNIQUE_EMAIL = '"email" VARCHAR(254) NOT NULL UNIQUE'
PLAIN_EMAIL = '"email" VARCHAR(254) NOT NULL'


class DropGlobalEmailUniqueness(ops.AlterField):
    """Staff emails are unique per agency, not globally (the (agency, email) constraint comes next).

    PostgreSQL drops the constraint in place. SQLite cannot drop a column's UNIQUE: the table is rebuilt, and
    by hand rather than by Tortoise's rebuild, which runs with foreign keys on, so dropping the old table
    would fail on the contacts that reference a user (or cascade to their sessions), and which forgets the
    table's indexes. Foreign keys are switched off only outside a transaction, hence the migration is not
    atomic and this rebuild runs in a transaction of its own, checked before it commits.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is None:
            return
        client = state_editor.client
        if client.capabilities.dialect != "sqlite":
            async with in_transaction(client.connection_name) as conn:
                state_editor.client = conn
                try:
                    await super().database_forward(app_label, old_state, new_state, state_editor)
                finally:
                    state_editor.client = client
            return
        await client.execute_script("PRAGMA foreign_keys = OFF")
        try:
            async with in_transaction(client.connection_name) as conn:
                _, rows = await conn.execute_query(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'app_user' AND sql IS NOT NULL"
                )
                table = next(row["sql"] for row in rows if row["type"] == "table")
                indexes = [row["sql"] for row in rows if row["type"] == "index"]
                if UNIQUE_EMAIL not in table:
                    raise RuntimeError("app_user is not as the earlier migrations left it: email is not unique")
                rebuilt = table.replace(UNIQUE_EMAIL, PLAIN_EMAIL).replace('"app_user"', '"app_user_rebuilt"', 1)
                await conn.execute_script(rebuilt)
                await conn.execute_script('INSERT INTO "app_user_rebuilt" SELECT * FROM "app_user"')
                await conn.execute_script('DROP TABLE "app_user"')
                await conn.execute_script('ALTER TABLE "app_user_rebuilt" RENAME TO "app_user"')
                for index in indexes:
                    await conn.execute_script(index)
                await conn.execute_script('CREATE INDEX "idx_app_user_email_b12ac1" ON "app_user" ("email")')
                _, broken = await conn.execute_query("PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"rebuilding app_user broke {len(broken)} foreign keys")
        finally:
            await client.execute_script("PRAGMA foreign_keys = ON")


async def admins_leave_their_teams(apps, schema_editor) -> None:
    """An ADMIN belongs to no team (auth.policy.ROLES_WITHOUT_TEAM): existing ADMINs lose theirs, and the team of
    the contacts they own follows, as setUserTeam does."""
    async with in_transaction(schema_editor.client.connection_name) as conn:
        await conn.execute_script(
            "UPDATE contact SET team_id = NULL WHERE owner_id IN (SELECT id FROM app_user WHERE role = 'ADMIN')"
        )
        await conn.execute_script("UPDATE app_user SET team_id = NULL WHERE role = 'ADMIN'")


async def nothing_to_undo(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('models', '0004_self_service')]

    initial = False
    atomic = False  # see DropGlobalEmailUniqueness; the operations that write run in transactions of their own

    operations = [
        DropGlobalEmailUniqueness(
            model_name='User',
            name='email',
            field=fields.CharField(db_index=True, max_length=254),
        ),
        ops.AddConstraint(
            model_name='User',
            constraint=UniqueConstraint(fields=('agency', 'email'), name=None),
        ),
        ops.RunPython(admins_leave_their_teams, nothing_to_undo),
    ]

"""A migration locks every table it alters until it commits. One that alters two tables the
previous release uses can deadlock with that release's requests, which lock them in
another order (the soak's walk saw a request reading a posting and then its payment
killed by the deadlock detector while a migration held the payments and waited for the
postings). So each migration after 0024 alters at most one existing table, unless it
runs outside a transaction (`atomic = False`), where each statement commits on its own."""

from django.db.migrations.loader import MigrationLoader

APP = "wizard"
FIRST_CHECKED = 25  # the rule came with issue 20's migrations; earlier ones ran already


def tables_altered(migration):
    """The models a migration changes without creating them (existing tables)."""
    created = {op.name.lower() for op in migration.operations if hasattr(op, "fields")}
    altered = {getattr(op, "model_name", None) for op in migration.operations}
    return {name.lower() for name in altered if name} - created


def checked_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in loader.disk_migrations.items():
        if app == APP and int(name.split("_", 1)[0]) >= FIRST_CHECKED:
            yield name, migration


def test_each_migration_in_a_transaction_alters_at_most_one_existing_table():
    found = {name: tables_altered(migration) for name, migration in checked_migrations()}
    assert found, "no migration checked"
    too_many = {
        name: sorted(tables)
        for name, tables in found.items()
        if len(tables) > 1 and dict(checked_migrations())[name].atomic
    }
    assert not too_many


def test_the_check_sees_a_migration_that_alters_two_tables():
    from django.db import migrations, models

    class Both(migrations.Migration):
        operations = [
            migrations.AddField("jobposting", "x", models.IntegerField(null=True)),
            migrations.AddField("paymentattempt", "y", models.IntegerField(null=True)),
        ]

    assert tables_altered(Both("0099_both", APP)) == {"jobposting", "paymentattempt"}

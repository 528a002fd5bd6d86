"""Each migration after 0013, applied to a database of its own, leaves the previous
release's view of the schema working: every column the models before it read is still
there, and no new NOT NULL column lacks a database default (the previous release's
inserts leave out the columns it does not know). The models before a migration are
Django's migration state there, which is what that release's code declared. This checks
the applied schema, where the linter (tests/migration_linting.py) reads the SQL."""

import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from tests.migration_linting import APP, LAST_UNLINTED, REVIEWED, linted_migrations


@pytest.fixture
def scratch_database(django_db_setup, django_db_blocker, tmp_path):
    """The default connection, pointed at an empty database of its own for the test: the
    data migrations query the default database, as `migrate` runs them."""
    connection = connections[DEFAULT_DB_ALIAS]
    test_database = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = f"{test_database}_upgrade_{uuid.uuid4().hex[:8]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        else:
            name = str(tmp_path / "upgrade.sqlite3")
        connection.close()
        connection.settings_dict["NAME"] = name
        try:
            yield connection
        finally:
            connection.close()
            connection.settings_dict["NAME"] = test_database
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE "{name}"')


def what_the_previous_release_misses(state, connection):
    """What the previous release's models (`state`) would trip on in the database."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        tables = set(introspection.table_names(cursor))
        problems = []
        for model in state.apps.get_app_config(APP).get_models():
            table = model._meta.db_table
            if table not in tables:
                problems.append(f"table {table} is gone")
                continue
            known = {field.column for field in model._meta.concrete_fields}
            columns = introspection.get_table_description(cursor, table)
            problems += [
                f"{table}.{column} is gone" for column in sorted(known - {c.name for c in columns})
            ]
            problems += [
                f"{table}.{c.name} is NOT NULL without a database default"
                for c in columns
                if c.name not in known and not c.null_ok and c.default is None
            ]
    return problems


def test_the_previous_release_keeps_working_after_each_migration(scratch_database):
    executor = MigrationExecutor(scratch_database)
    previous = next(
        name
        for app, name in sorted(executor.loader.disk_migrations)
        if app == APP and int(name.split("_", 1)[0]) == LAST_UNLINTED
    )
    executor.migrate([(APP, previous)])
    found = {}
    for name in linted_migrations():
        executor.loader.build_graph()
        state = executor.loader.project_state((APP, previous))
        executor.migrate([(APP, name)])
        problems = what_the_previous_release_misses(state, scratch_database)
        if problems and name not in REVIEWED:
            found[name] = problems
        previous = name

    assert not found

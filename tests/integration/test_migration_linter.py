"""Migrations stay safe for the running release: the linter of tests/migration_linting.py
passes every wizard migration after 0013 and rejects one that would break the previous
release's processes while they still serve (docs/deploying.md, "Upgrading without
downtime")."""

import shutil
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.db import connection

import wizard.migrations
from tests.migration_linting import REVIEWED, lint, linted_migrations


@pytest.fixture(autouse=True)
def database(django_db_setup, django_db_blocker):
    """The linter reads the test database (which migrations it has) and writes nothing:
    no test transaction, which SQLite's schema editor (sqlmigrate's) refuses to run in,
    and no flush after."""
    with django_db_blocker.unblock():
        yield


def test_every_migration_after_0013_passes_the_linter():
    names = linted_migrations()
    assert names[:9] == [
        "0014_jobs_package",
        "0015_jobs_for_events",
        "0016_payment_records",
        "0017_finish_later_nonce",
        "0018_step_completion_times",
        "0019_refunds_made_and_fraud_warnings",
        "0020_disputes",
        "0021_payment_processing",
        "0022_limits",
    ]
    result = lint(names)
    assert result.passed, result.report
    assert set(REVIEWED) <= set(names)
    assert all(reason.strip() for reason in REVIEWED.values())


@pytest.fixture
def next_migration(settings, tmp_path):
    """write(operations) adds a migration with those operations after the app's last one,
    in a copy of the app's migrations (MIGRATION_MODULES points at it), and returns its
    name; the app's own folder is never touched."""
    package = f"lint_probe_{uuid.uuid4().hex}"
    shutil.copytree(
        Path(wizard.migrations.__file__).parent,
        tmp_path / package,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"wizard": package}
    last = linted_migrations()[-1]
    name = f"{int(last.split('_', 1)[0]) + 1:04d}_probe"

    def write(operations):
        source = f"""
            from django.db import migrations, models

            class Migration(migrations.Migration):
                dependencies = [("wizard", "{last}")]
                operations = [{operations}]
        """
        (tmp_path / package / f"{name}.py").write_text(textwrap.dedent(source))
        return name

    yield write
    sys.path.remove(str(tmp_path))
    for module in [m for m in sys.modules if m.split(".")[0] == package]:
        del sys.modules[module]


@pytest.mark.parametrize(
    "operation",
    [
        'migrations.RemoveField("jobposting", "title")',
        'migrations.RunSQL(\'ALTER TABLE "wizard_jobposting" DROP COLUMN "title"\')',
    ],
    ids=["RemoveField", "RunSQL"],
)
def test_the_linter_rejects_dropping_a_column_the_running_code_reads(next_migration, operation):
    name = next_migration(operation)

    result = lint([name])

    assert not result.passed
    assert f"(wizard, {name})... ERR" in result.report
    assert "DROPPING columns (table: wizard_jobposting, column: title)" in result.report


def test_the_linter_rejects_renaming_a_column(next_migration):
    name = next_migration('migrations.RenameField("jobposting", "title", "headline")')

    result = lint([name])

    assert not result.passed
    assert "RENAMING columns" in result.report


def test_the_linter_rejects_a_not_null_column_without_a_database_default(next_migration):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite adds such a column by copying the table, which the linter cannot tell "
            "from a safe copy (tests/migration_linting.py); CI runs it with DATABASE_URL set"
        )
    # The previous release's INSERTs leave the column out: a Python default fills only
    # the rows that exist when the migration runs.
    name = next_migration(
        'migrations.AddField("jobposting", "tagline", '
        'models.CharField(max_length=40, default="", blank=True))'
    )

    result = lint([name])

    assert not result.passed
    assert "NOT NULL constraint on columns" in result.report


def test_the_linter_accepts_an_additive_migration(next_migration):
    name = next_migration(
        'migrations.AddField("jobposting", "tagline", models.CharField(max_length=40, '
        'blank=True, default="", db_default="")), '
        'migrations.AddField("jobposting", "featured_until", '
        "models.DateTimeField(null=True, blank=True)), "
        'migrations.CreateModel("Note", [("id", models.BigAutoField(primary_key=True)), '
        '("text", models.TextField())])'
    )

    result = lint([name])

    assert result.passed, result.report
    assert f"(wizard, {name})... OK" in result.report


def test_removing_a_field_from_the_model_before_its_column_passes(next_migration):
    """The release after the one that stopped reading a column: the model forgets the
    field, and the column gets a database default for this release's inserts."""
    name = next_migration(
        "migrations.SeparateDatabaseAndState("
        'state_operations=[migrations.RemoveField("jobposting", "price_currency")], '
        'database_operations=[migrations.AlterField("jobposting", "price_currency", '
        'models.CharField(max_length=3, blank=True, db_default=""))])'
    )

    result = lint([name])

    assert result.passed, result.report


def test_a_contract_migration_passes_once_reviewed(next_migration):
    name = next_migration('migrations.RemoveField("jobposting", "title")')

    result = lint([name], reviewed={**REVIEWED, name: "release N stopped reading title"})

    assert result.passed, result.report
    assert f"(wizard, {name})... IGNORE" in result.report

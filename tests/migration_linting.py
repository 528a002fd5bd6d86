"""The migration linter of `make test` (django-migration-linter): every migration of the
wizard app after 0013 must be safe to run while the previous release still serves, because
the release step migrates before the old processes stop (docs/deploying.md, "Upgrading
without downtime"). Migrations are found on disk, so each new one is linted without
listing it here."""

import contextlib
import io
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django_migration_linter import MigrationLinter

APP = "wizard"
# The last migration written before the linter: every later one is linted.
LAST_UNLINTED = 13

# Migrations flagged here or by tests/integration/test_rolling_upgrade.py, reviewed by
# hand: name → why it may run while the previous release serves. A contract migration (it
# drops what earlier releases stopped reading and writing) is listed too, its reason naming
# those releases. Keep each reviewed migration to the operations reviewed: both tests skip
# the whole migration.
REVIEWED = {
    "0015_jobs_for_events": (
        "widens wizard_effect.name and .key (varchar 255 and 300): the previous release "
        "writes shorter values and reads any"
    ),
    "0016_payment_records": (
        "NOT A SAFE ONE, already released: PaymentAttempt.payment_intent_id is NOT NULL "
        "without a database default, so the previous release's Pay failed until its web "
        "processes were replaced (docs/deploying.md, 'Upgrading to the release of issue 15')"
    ),
}

# Checks that say nothing on a database. SQLite adds a column with a default, or alters
# one, by copying its table, and the linter's NOT_NULL check for SQLite flags every such
# copy whatever its columns: the NOT NULL rule is checked on PostgreSQL (CI's second run,
# and the production database).
NOT_MEANINGFUL_ON = {"sqlite": ["NOT_NULL"]}


@dataclass
class Lint:
    passed: bool
    report: str  # the linter's own lines: each migration, OK or ERR with its reasons


def linted_migrations(database=DEFAULT_DB_ALIAS):
    """The app's migrations on disk numbered after LAST_UNLINTED, in order."""
    loader = MigrationLoader(connections[database], load=True)
    names = (name for app, name in loader.disk_migrations if app == APP)
    return sorted(name for name in names if int(name.split("_", 1)[0]) > LAST_UNLINTED)


def lint(names, reviewed=REVIEWED, database=DEFAULT_DB_ALIAS):
    """Lint the named migrations of the app as they would run on `database`."""
    if not names:
        raise ValueError("nothing to lint")  # the linter reads no names as all of them
    linter = MigrationLinter(
        include_apps=[APP],
        include_name=names,
        ignore_name=list(reviewed),
        exclude_migration_tests=NOT_MEANINGFUL_ON.get(connections[database].vendor, []),
        database=database,
        no_cache=True,
    )
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        linter.lint_all_migrations(app_label=APP)
        linter.print_summary()
    return Lint(passed=not linter.has_errors, report=report.getvalue())

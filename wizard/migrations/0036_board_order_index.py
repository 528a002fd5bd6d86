# Expand phase: the board at a million postings (docs/board.md, "At a million postings").
# Every index covers the published postings only and is built CONCURRENTLY on PostgreSQL
# (outside a transaction, so not atomic): the postings stay writable meanwhile.
#
# - The board's order (featured first, then newest), with the slug the board requires
#   included: a page, a filtered page and a search's page read it in order and stop, and
#   the board's capped count reads it alone. A plain CREATE INDEX on SQLite.
# - The location filter's parts (wizard.board.search.located_in), PostgreSQL only: the
#   city and the region through pg_trgm (a trusted contrib extension, created here if
#   missing), which serves `icontains`; the country; the applicant countries as an array.
#   A place nobody posts in is found absent from these, not by reading every posting.
#   Statistics on upper(city) and upper(region) (CREATE STATISTICS: a trigram index gives
#   the planner none), so that it knows "Berlin" is common and reads the board's order
#   index for its first page instead of every Berlin posting.

from importlib import import_module

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models import Q

# 0028's operation: CREATE INDEX CONCURRENTLY on PostgreSQL, a plain one elsewhere.
add_index = import_module("wizard.migrations.0028_employer_indexes").add_index

PUBLISHED = "WHERE status = 'published'"
LOCATION_INDEXES = {
    "wizard_board_city_trgm_idx": f"USING gin (upper(city::text) gin_trgm_ops) {PUBLISHED}",
    "wizard_board_region_trgm_idx": f"USING gin (upper(region::text) gin_trgm_ops) {PUBLISHED}",
    "wizard_board_country_idx": f"(country) {PUBLISHED}",
    "wizard_board_applicants_idx": (
        f"USING gin (string_to_array(applicant_countries::text, ',')) {PUBLISHED}"
    ),
}

LOCATION_STATISTICS = {
    "wizard_board_city_stats": "upper(city::text)",
    "wizard_board_region_stats": "upper(region::text)",
}


def create_location_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in LOCATION_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON wizard_jobposting {definition}"
        )
    for name, expression in LOCATION_STATISTICS.items():
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} ON ({expression}) FROM wizard_jobposting"
        )


def drop_location_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in LOCATION_STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")
    for name in LOCATION_INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("wizard", "0035_payment_plans_and_amounts"),
    ]

    operations = [
        add_index(
            "jobposting",
            models.Index(
                condition=Q(status="published"),
                fields=["-featured", "-published_at", "-id"],
                include=("slug",),
                name="wizard_board_order_idx",
            ),
        ),
        TrigramExtension(),
        migrations.RunPython(create_location_indexes, drop_location_indexes, elidable=False),
    ]

# The board's full-text search (wizard.postings.search): a stored generated tsvector column,
# computed by PostgreSQL from the title (weight A), company (B), description (C) and place
# (D), and a GIN index over the published postings' vectors. On SQLite the column is
# generated as NULL and no GIN index is made: the board falls back to icontains there.
# And a partial index of the published postings in the board's order (issue 11).
#
# Adding a stored generated column rewrites the table under an exclusive lock (seconds for
# 100,000 postings); the index is built after it, on the published rows only.

import django.contrib.postgres.search
from django.db import migrations, models

import wizard.postings.search

INDEX = "wizard_jobposting_search_idx"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON wizard_jobposting USING gin (search_vector) "
            "WHERE status = 'published'"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0012_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobposting",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=wizard.postings.search.PostingSearchVector(),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
        # The board's pages in order, and its count from the index alone.
        migrations.AddIndex(
            model_name="jobposting",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["-published_at", "-id"],
                include=("slug",),
                name="wizard_board_published_idx",
            ),
        ),
    ]

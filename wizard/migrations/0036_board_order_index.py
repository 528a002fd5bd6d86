# Expand phase: the board's order (featured first, then newest) as a partial index of the
# published postings, with the slug the board requires included, so that a page, and the
# board's capped count, read the index in order and stop (docs/board.md, "At a million
# postings"). Built CONCURRENTLY on PostgreSQL (outside a transaction, so not atomic): the
# postings stay writable meanwhile; a plain CREATE INDEX on SQLite.

from importlib import import_module

from django.db import migrations, models
from django.db.models import Q

# 0028's operation: CREATE INDEX CONCURRENTLY on PostgreSQL, a plain one elsewhere.
add_index = import_module("wizard.migrations.0028_employer_indexes").add_index


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
    ]

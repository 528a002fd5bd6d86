"""The board at scale (issue 21): its count stops at BOARD_COUNT_LIMIT ("more than N
jobs"), and a page reads the board's order index (migration 0036); which index the count
reads at a million postings, the bench shows (EXPLAIN excerpts in docs/board.md). Timings
are the bench's (bench/board_scale.py), never a test's."""

import importlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.integration.test_board import publish, titles
from wizard.board.pages import CappedPaginator
from wizard.board.search import in_order
from wizard.board.views import LIST_FIELDS, BoardFilterForm, on_board
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
needs_postgresql = pytest.mark.skipif(
    not POSTGRESQL, reason="CREATE INDEX CONCURRENTLY and EXPLAIN's plans are PostgreSQL's"
)


@pytest.fixture
def small_limit(settings):
    settings.BOARD_PAGE_SIZE = 2
    settings.BOARD_COUNT_LIMIT = 5
    settings.BOARD_SEARCH_COUNT_LIMIT = 3


def test_up_to_the_limit_the_count_is_exact(client, small_limit):
    for day in range(5):
        publish(f"Job {day}", days_ago=day)
    page = client.get("/")
    assert "5 jobs" in page.text and "More than" not in page.text
    assert "Page 1 of 3" in page.text
    assert "Older jobs are not listed" not in client.get("/?page=3").text


def test_past_the_limit_the_board_says_more_than(client, small_limit):
    for day in range(8):
        publish(f"Job {day}", featured=day == 6, days_ago=day)
    first = client.get("/")
    assert "More than 5 jobs" in first.text
    assert "Page 1 of more than 3" in first.text
    assert titles(first) == ["Job 6", "Job 0"]
    # The pages up to the limit are offered, in the board's order; the last says how to
    # find the older ones.
    assert titles(client.get("/?page=2")) == ["Job 1", "Job 2"]
    last = client.get("/?page=3")
    assert titles(last) == ["Job 3", "Job 4"]
    assert 'rel="next"' not in last.text and "Older jobs are not listed" in last.text
    assert titles(client.get("/?page=4")) == ["Job 3", "Job 4"]  # the nearest page


def test_a_search_of_several_words_counts_to_its_own_lower_limit(client, small_limit):
    for day in range(4):
        publish(f"Python Django job {day}", days_ago=day)
    publish("Cook", days_ago=0)
    found = client.get("/?q=python django").text
    assert "More than 3 jobs match your search" in found and "Page 1 of more than 2" in found
    # One word, and a filter other than a search, count to the board's limit.
    assert "4 jobs match your search" in client.get("/?q=python").text
    assert "1 job match your search" in client.get("/?q=cook").text
    assert "5 jobs match your search" in client.get("/?workplace=hybrid").text


def test_the_count_reads_at_most_the_limit_and_one_more(small_limit, settings):
    for day in range(3):
        publish(f"Job {day}", days_ago=day)
    postings = BoardFilterForm({}).filter(on_board().only(*LIST_FIELDS))
    with CaptureQueriesContext(connection) as queries:
        paginator = CappedPaginator(postings, 2, settings.BOARD_COUNT_LIMIT)
        assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)
    (count,) = queries.captured_queries
    # Counted in a subquery that stops after limit + 1 rows, found in any order.
    assert "COUNT(*)" in count["sql"] and "LIMIT 6" in count["sql"]
    assert "ORDER BY" not in count["sql"], count["sql"]


# --- Migration 0036: the board's order index ---------------------------------------------


def test_the_migration_builds_its_index_outside_a_transaction():
    migration = importlib.import_module("wizard.migrations.0036_board_order_index")
    assert migration.Migration.atomic is False


@needs_postgresql
@pytest.mark.django_db(transaction=True)  # CONCURRENTLY refuses to run in a transaction
def test_the_index_is_built_concurrently_on_postgresql(capsys):
    call_command("sqlmigrate", "wizard", "0036")
    sql = capsys.readouterr().out
    assert 'CREATE INDEX CONCURRENTLY "wizard_board_order_idx"' in sql, sql
    assert '("featured" DESC, "published_at" DESC, "id" DESC) INCLUDE ("slug")' in sql, sql
    assert """WHERE "status" = 'published'""" in sql, sql


@needs_postgresql
def test_a_page_reads_the_order_index():
    for day in range(30):
        publish(f"Job {day}", featured=day % 10 == 0, days_ago=day)
    postings = BoardFilterForm({}).filter(on_board().only(*LIST_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wizard_jobposting")
        # 30 rows are few: a sequential scan and a sort may cost the planner as little.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        page = postings[:20].explain()
    assert "Index Scan using wizard_board_order_idx" in page, page


GIN_INDEXES = [
    "wizard_board_city_trgm_idx",
    "wizard_board_region_trgm_idx",
    "wizard_board_applicants_idx",
]


@needs_postgresql
@pytest.mark.parametrize(
    ("location", "indexes"),
    [
        ("atlantis", ["wizard_board_city_trgm_idx", "wizard_board_region_trgm_idx"]),
        (
            "germany",
            [
                "wizard_board_city_trgm_idx",
                "wizard_board_region_trgm_idx",
                "wizard_board_country_idx",
                "wizard_board_applicants_idx",
            ],
        ),
    ],
)
def test_the_location_filter_can_be_answered_from_its_indexes(client, location, indexes):
    publish("Office", city="Berlin", country="DE", days_ago=2)
    publish("Remote", workplace="remote", city="", country="", applicant_countries=["DE"])
    # Enough others that reading them all costs the planner more than the indexes.
    now = timezone.now()
    JobPosting.objects.bulk_create(
        JobPosting(
            status=Status.PUBLISHED,
            title=f"Job {n}",
            city=["Lisbon", "Porto", "Braga", "Faro"][n % 4],
            country="PT",
            applicant_countries=["PT", "ES"],
            slug=f"elsewhere-{n}",
            published_at=now,
        )
        for n in range(10_000)
    )
    postings = BoardFilterForm({"location": location}).filter(on_board().only(*LIST_FIELDS))
    with connection.cursor() as cursor:
        # As autovacuum leaves them: the GIN indexes' pending entries merged, statistics.
        for gin in GIN_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [gin])
        cursor.execute("ANALYZE wizard_jobposting")
        # Only bitmap scans left: each part of the match must have its index, or the plan
        # would read the table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = postings[:20].explain()
    assert "BitmapOr" in plan, plan
    for index in indexes:
        assert f"Bitmap Index Scan on {index}" in plan, plan
    expected = {"atlantis": [], "germany": ["Remote", "Office"]}[location]
    assert titles(client.get("/", {"location": location})) == expected


def test_few_matches_come_in_the_same_order_by_either_query_shape(client):
    moment = timezone.now()
    for n in range(6):
        publish(f"Job {n}", featured=n % 3 == 0, published_at=moment)
    postings = on_board().only(*LIST_FIELDS)
    many, few = in_order(postings, few=False), in_order(postings, few=True)
    assert list(few) == list(many)
    assert [posting.featured for posting in few] == [True, True, False, False, False, False]
    # The shape for few matches: an order no index gives, so that the matches are found
    # through the search's and filters' indexes, then sorted.
    assert "ORDER BY" in str(few.query) and str(few.query) != str(many.query)

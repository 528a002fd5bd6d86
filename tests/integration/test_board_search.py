"""The board's search box: full-text search on PostgreSQL (a GIN index, the board's order), a
substring match on SQLite (wizard.board.search). Each database's own path is tested on it
and skipped, with the reason, on the other; what both must do is tested on both."""

import pytest
from django.db import connection
from django.utils import timezone

from tests.integration.test_board import REMOTE, publish, titles
from wizard.board.search import search
from wizard.board.views import on_board
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
needs_postgresql = pytest.mark.skipif(
    not POSTGRESQL, reason="full-text search runs on PostgreSQL (this run uses SQLite)"
)
needs_sqlite = pytest.mark.skipif(
    POSTGRESQL, reason="the substring fallback runs on SQLite (this run uses PostgreSQL)"
)


def found(client, q, **params):
    return titles(client.get("/", {"q": q, **params}))


# --- Both databases ----------------------------------------------------------------------


def test_search_looks_at_title_company_description_and_place(client):
    publish("Backend Engineer", company_name="Initech", description="Ship Python services.")
    publish("Designer", company_name="Pixel Ltd", city="Lisbon", country="PT", days_ago=2)
    assert found(client, "backend") == ["Backend Engineer"]
    assert found(client, "initech") == ["Backend Engineer"]
    assert found(client, "python") == ["Backend Engineer"]
    assert found(client, "Lisbon") == ["Designer"]
    # A country's name finds the jobs there, and remote jobs open to its residents.
    publish("Remote Support", **{**REMOTE, "applicant_countries": ["PT"]}, days_ago=3)
    assert found(client, "portugal") == ["Designer", "Remote Support"]


@pytest.mark.parametrize(
    "q",
    ["c++ & | ! :* ( )", "'); drop table x; --", '"unclosed', "-", "or", "the", "a" * 100, "ü"],
)
def test_any_text_is_a_search_never_an_error(client, q):
    publish("Django Engineer")
    response = client.get("/", {"q": q})
    assert response.status_code == 200


def test_search_and_filters_combine(client):
    publish("Python Engineer", workplace="on_site", city="Paris", country="FR")
    publish("Python Analyst", **REMOTE, days_ago=2)
    assert found(client, "python", workplace="remote") == ["Python Analyst"]
    assert found(client, "python", location="paris") == ["Python Engineer"]


# --- PostgreSQL: full-text search ----------------------------------------------------------


@needs_postgresql
def test_matches_are_newest_first_whatever_field_matched(client):
    publish("Office Manager", description="We also use Python for reports.", days_ago=0)
    publish("Python Developer", description="Build things.", days_ago=5)
    publish("Data Lead", company_name="Python Works", description="Numbers.", days_ago=3)
    # Not ranked (ranking reads every match: seconds at a million postings): the board's
    # order, newest first.
    assert found(client, "python") == ["Office Manager", "Data Lead", "Python Developer"]


def test_featured_matches_come_first_then_newest(client):
    publish("Python Developer", days_ago=1)
    publish("Python Lead", featured=True, days_ago=6)
    publish("Python Analyst", days_ago=0)
    publish("Python Architect", featured=True, days_ago=2)
    publish("Featured Cook", featured=True, days_ago=0)  # no match: not listed
    assert found(client, "python") == [
        "Python Architect",
        "Python Lead",
        "Python Analyst",
        "Python Developer",
    ]


@needs_postgresql
def test_equal_matches_are_newest_first(client):
    publish("Python Developer", days_ago=5)
    publish("Python Developer II", days_ago=1)
    assert found(client, "python developer") == ["Python Developer II", "Python Developer"]


@needs_postgresql
def test_words_are_stemmed_and_the_last_may_be_unfinished(client):
    publish("Senior Developer", description="You will be developing APIs.")
    publish("Pythonista wanted", description="Data pipelines.")
    assert found(client, "developers") == ["Senior Developer"]
    assert found(client, "development") == ["Senior Developer"]
    # As the visitor types (htmx searches every 300 ms): "pyth" finds Python.
    assert found(client, "pyth") == ["Pythonista wanted"]
    assert found(client, "senior dev") == ["Senior Developer"]


@needs_postgresql
def test_web_search_syntax(client):
    publish("Django Engineer", description="Python and Django all day.")
    publish("Flask Engineer", description="Python with Flask.", days_ago=2)
    publish("Go Engineer", description="Go only.", days_ago=3)
    assert found(client, "python engineer") == ["Django Engineer", "Flask Engineer"]
    assert found(client, "python -django") == ["Flask Engineer"]
    assert found(client, "django or go") == ["Django Engineer", "Go Engineer"]
    assert found(client, '"python with flask"') == ["Flask Engineer"]
    assert found(client, '"flask with python"') == []


@needs_postgresql
def test_the_vector_follows_every_write(client):
    posting = publish("Cook")
    assert found(client, "sommelier") == []
    posting.title = "Sommelier"
    posting.save()
    assert found(client, "sommelier") == ["Sommelier"]
    # A bulk write, bypassing save(): the database computes the column itself.
    JobPosting.objects.filter(pk=posting.pk).update(description="Wine and cheese.")
    assert found(client, "cheese") == ["Sommelier"]


@needs_postgresql
def test_the_search_uses_the_gin_index(client):
    now = timezone.now()
    JobPosting.objects.bulk_create(
        JobPosting(
            status=Status.PUBLISHED,
            title=f"Job {n}",
            description="Haskell and Idris." if n == 7 else "Go, SQL and a calm team. " * 20,
            slug=f"job-{n}",
            published_at=now,
        )
        for n in range(500)
    )
    queryset = search(on_board(), "haskell")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wizard_jobposting")
        # 500 rows are still few: a sequential scan may cost the planner as little.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "Bitmap Index Scan on wizard_jobposting_search_idx" in plan, plan
    assert [posting.title for posting in queryset] == ["Job 7"]


@needs_postgresql
def test_a_search_costs_two_queries(client, django_assert_num_queries):
    for n in range(25):
        publish(f"Python job {n}")
    with django_assert_num_queries(3):  # the board's version, then the count, the page
        response = client.get("/", {"q": "python", "page": "2"})
    assert len(titles(response)) == 5


# --- SQLite: the substring fallback --------------------------------------------------------


@needs_sqlite
def test_on_sqlite_a_search_is_a_substring_match_newest_first(client):
    publish("Python Developer", days_ago=5)
    publish("Office Manager", description="We also use Python.", days_ago=0)
    # No ranking on SQLite: newest first.
    assert found(client, "python") == ["Office Manager", "Python Developer"]
    # Any part of a word matches, case-insensitively; no stemming, no syntax.
    assert found(client, "YTHON DEV") == ["Python Developer"]
    assert found(client, "developers") == []
    assert found(client, "python -office") == []

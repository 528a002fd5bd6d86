"""Staff see the job pages' views and apply clicks: in the postings list (no query per
row), on a posting's admin page, and on the dashboard ("this week" and the postings seen
most)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.integration.test_board import publish
from tests.integration.test_dashboard import URL as DASHBOARD
from tests.integration.test_dashboard import card, numbers
from wizard.postings.numbers import DailyNumbers

pytestmark = pytest.mark.django_db

LIST = reverse("admin:wizard_jobposting_changelist") + "?queue=all"
TODAY = datetime.now(UTC).date()


def counted(posting, days_ago=0, views=0, clicks=0):
    DailyNumbers.objects.create(
        posting=posting, day=TODAY - timedelta(days=days_ago), views=views, apply_clicks=clicks
    )


def columns(response, posting):
    """(views, apply clicks) as the list shows them for `posting`."""
    result = next(row for row in response.context["cl"].result_list if row.pk == posting.pk)
    admin = response.context["cl"].model_admin
    return admin.views_total(result), admin.apply_clicks_total(result)


def test_the_list_shows_each_postings_totals(admin_client):
    seen, unseen = publish("Seen"), publish("Unseen")
    counted(seen, days_ago=0, views=7, clicks=2)
    counted(seen, days_ago=1, views=3, clicks=1)

    response = admin_client.get(LIST)

    html = response.content.decode()
    assert '<th scope="col" class="sortable column-views_total">' in html
    assert '<th scope="col" class="sortable column-apply_clicks_total">' in html
    assert '<td class="field-views_total">10</td>' in html
    assert columns(response, seen) == (10, 3)
    assert columns(response, unseen) == (0, 0)


def test_the_list_sorts_by_views(admin_client):
    many, few = publish("Many"), publish("Few")  # newest first by default: Few
    counted(few, views=1)
    counted(many, views=50)
    response = admin_client.get(LIST + "&o=-6")  # the sixth column, Views, most first
    assert [row.title for row in response.context["cl"].result_list][:2] == ["Many", "Few"]


def test_the_list_costs_no_query_per_row(admin_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(LIST).status_code == 200
        return len(captured)

    for number in range(2):
        counted(publish(f"Job {number}"), views=number + 1, clicks=number)
    few = queries()
    for number in range(10):
        counted(publish(f"More {number}"), days_ago=number % 3, views=4, clicks=1)
    assert queries() == few


def test_a_postings_page_shows_its_totals(admin_client):
    posting = publish()
    counted(posting, days_ago=0, views=12, clicks=3)
    counted(posting, days_ago=5, views=30, clicks=4)
    page = admin_client.get(reverse("admin:wizard_jobposting_change", args=[posting.pk]))
    html = page.content.decode()
    assert "<div><dt>Views</dt><dd>42</dd></div>" in html
    assert "<div><dt>Apply clicks</dt><dd>7</dd></div>" in html


def test_the_dashboard_shows_this_weeks_views_and_the_postings_seen_most(admin_client):
    top, second, old = publish("Top job"), publish("Second job"), publish("Old job")
    counted(top, days_ago=0, views=40, clicks=8)
    counted(top, days_ago=6, views=20, clicks=1)  # the seventh day back: this week
    counted(second, days_ago=2, views=9, clicks=3)
    counted(old, days_ago=7, views=500, clicks=100)  # before the week

    response = admin_client.get(DASHBOARD)

    found = card(response, "job-numbers")
    assert found.title == "Views and apply clicks this week"
    assert "69 job page views and 12 apply clicks in all" in found.intro
    assert numbers(response, "job-numbers") == {
        "Top job at Acme Corp": ["60", "9", "15%"],
        "Second job at Acme Corp": ["9", "3", "33%"],
    }
    top_row = found.table.rows[0]
    assert top_row[1].href == reverse("admin:wizard_jobposting_change", args=[top.pk])
    html = response.content.decode()
    assert '<title id="job-numbers-title">Views and apply clicks this week</title>' in html


def test_the_dashboard_says_when_nothing_was_seen(admin_client):
    response = admin_client.get(DASHBOARD)
    assert "No job page was viewed this week." in response.content.decode()

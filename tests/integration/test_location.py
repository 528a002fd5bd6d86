"""Where a job is, through the wizard, the admin and the migration from the free-text
location (the board's side is in test_board)."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import VALID_DETAILS, step_after, step_url
from tests.factories import own, posting_at
from tests.walk import walk_to
from wizard.effects.email import where
from wizard.flow.order import FLOW
from wizard.models import JobPosting, Status


def answer(review, label):
    """The value the review's check-your-answers list gives for `label`."""
    key = f'<dt class="summary-list__key">{label}</dt>'
    return review.split(key, 1)[1].split('<dd class="summary-list__value">', 1)[1].split("</dd>")[0]


pytestmark = pytest.mark.django_db

REMOTE_DETAILS = {**VALID_DETAILS, "workplace": "remote", "applicant_countries": ["FR", "DE"]}


# --- The wizard ---------------------------------------------------------------------------


def test_the_details_step_asks_where_without_javascript(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    url = f"{step_url('details', posting)}?page=where"
    page = client.get(url).content.decode()
    for value, label in [("on_site", "On-site"), ("hybrid", "Hybrid"), ("remote", "Remote")]:
        assert re.search(rf'<input type="radio" name="workplace" value="{value}"[^>]*>', page)
        assert f"{label}</label>" in page
    # The workplace first; then only its own location fields.
    for name in ["city", "region", "country", "applicant_countries"]:
        assert f'name="{name}"' not in page
    page = client.post(url, {"workplace": "remote", "shown_workplace": ""}).content.decode()
    assert re.search(r'<select name="applicant_countries"[^>]* multiple', page)
    assert 'name="city"' not in page
    page = client.post(url, {"workplace": "on_site", "shown_workplace": ""}).content.decode()
    for name in ["city", "region", "country"]:
        assert f'name="{name}"' in page
    assert 'name="applicant_countries"' not in page
    # No inline script or style: the site's CSP refuses them.
    assert "<script>" not in page and "style=" not in page


def test_a_remote_job_saves_its_applicant_countries_and_no_office(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    # Without JavaScript the office fields were still filled in: they are dropped.
    response = client.post(step_url("details", posting), REMOTE_DETAILS)
    assert response["Location"] == step_url(step_after("details", posting), posting)
    posting = JobPosting.objects.get(pk=posting.pk)
    assert FLOW["details"].is_complete(posting)
    assert posting.status == FLOW.status_before_payment(posting) != "logo_ready"
    assert posting.workplace == "remote"
    assert [country.code for country in posting.applicant_countries] == ["DE", "FR"]
    assert (posting.city, posting.region, posting.country.code) == ("", "", "")

    walk_to(client, posting, "payment")
    review = client.get(step_url("payment", posting)).content.decode()
    assert answer(review, "Workplace") == "Remote"
    assert answer(review, "Applicants may live in") == "Germany, France"
    assert "Berlin" not in review


def test_switching_to_an_office_drops_the_remote_countries(client):
    posting = posting_at(
        Status.READY_TO_PAY,
        workplace="remote",
        city="",
        country="",
        applicant_countries=["DE"],
    )
    own(client, posting)
    client.post(
        step_url("details", posting),
        {**VALID_DETAILS, "workplace": "on_site", "applicant_countries": ["DE"]},
    )
    posting = JobPosting.objects.get(pk=posting.pk)
    assert (posting.workplace, posting.city, posting.country.code) == ("on_site", "Berlin", "DE")
    assert not posting.applicant_countries
    review = client.get(step_url("payment", posting)).content.decode()
    assert answer(review, "Workplace") == "On-site"
    assert answer(review, "Location") == "Berlin, Germany"


def test_a_draft_without_a_complete_location_goes_back_to_the_details(client):
    """A draft migrated from "remote, no location" has no applicant countries yet."""
    posting = posting_at(
        Status.READY_TO_PAY, workplace="remote", city="", country="", applicant_countries=[]
    )
    own(client, posting)
    response = client.get(step_url("payment", posting))
    assert response.status_code == 302
    assert response["Location"] == step_url("details", posting)


def test_the_confirmation_email_says_where():
    posting = posting_at(Status.PAID, workplace="remote", city="", country="")
    posting.applicant_countries = ["DE", "FR"]
    assert where(posting) == "Remote (Germany, France)"
    posting = posting_at(Status.PAID)
    assert where(posting) == "Berlin, Germany · Hybrid"


# --- The admin ----------------------------------------------------------------------------


def test_the_admin_filters_by_workplace_and_flags_incomplete_locations(admin_client):
    hybrid = posting_at(Status.IN_REVIEW)
    legacy = posting_at(
        Status.IN_REVIEW, workplace="remote", city="", country="", applicant_countries=[]
    )
    url = "/admin/wizard/jobposting/"
    result = admin_client.get(url, {"workplace__exact": "remote"}).context["cl"].result_list
    assert list(result) == [legacy]
    flagged = admin_client.get(url, {"attention": "location"}).context["cl"].result_list
    assert list(flagged) == [legacy]
    page = admin_client.get(url).content.decode()
    assert "Location incomplete" in page

    change = admin_client.get(f"{url}{hybrid.pk}/change/").content.decode()
    for name in ["workplace", "city", "region", "country", "applicant_countries"]:
        assert f'name="{name}"' in change


# --- The migration ------------------------------------------------------------------------


# SQLite's schema editor (the migration drops columns) cannot run inside the test's
# transaction.
@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_existing_postings_and_goes_back():
    before, after = (
        ("wizard", "0010_manage_nonce"),
        ("wizard", "0011_workplace_and_structured_location"),
    )
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    rows = {
        "fully remote": ("", True),
        "berlin plus remote": ("Berlin, Germany", True),
        "austin office": ("Austin, TX", False),
        "unknown": ("Building 7", False),
    }
    try:
        executor.migrate([before])
        then = executor.loader.project_state([before]).apps
        old, log = then.get_model("wizard", "JobPosting"), then.get_model("wizard", "TransitionLog")
        for title, (location, remote) in rows.items():
            posting = old.objects.create(title=title, location=location, remote=remote)
            # Rows that refer to the posting (PostgreSQL's deferred foreign-key checks
            # must not stop the columns from being dropped after the update).
            log.objects.create(
                posting=posting, transition="t", source="a", target="b", actor="system", reason="r"
            )

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps.get_model("wizard", "JobPosting")
        mapped = {
            posting.title: (
                posting.workplace,
                posting.city,
                posting.region,
                str(posting.country),
            )
            for posting in new.objects.all()
        }
        assert mapped == {
            "fully remote": ("remote", "", "", ""),
            "berlin plus remote": ("hybrid", "Berlin", "", "DE"),
            "austin office": ("on_site", "Austin", "TX", "US"),
            "unknown": ("on_site", "Building 7", "", ""),
        }

        executor = MigrationExecutor(connection)
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps.get_model("wizard", "JobPosting")
        back = {p.title: (p.location, p.remote) for p in old.objects.all()}
        assert back == {
            "fully remote": ("", True),
            "berlin plus remote": ("Berlin, Germany", True),
            "austin office": ("Austin, TX, United States of America", False),
            "unknown": ("Building 7", False),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

"""The details step's pages through Django's test client: each page saves its own fields
once valid, what was typed is kept as typed until then (never moving the step on), the
workplace's location fields, the finish-later page, and the Change links' way back."""

import re

import pytest
from django.test import Client

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.flow import edits
from wizard.flow.order import FLOW
from wizard.flow.steps.details import APPLY, JOB, PAGES, WHERE
from wizard.models import JobPosting, Status, TransitionLog
from wizard.postings import links

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
DETAILS = FLOW["details"]


def page_url(posting, page, **query):
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"{step_url('details', posting)}?page={page.slug}{extra}"


def answers_for(page):
    return {name: VALID_DETAILS[name] for name in page.fields if name in VALID_DETAILS}


def reload(posting):
    return JobPosting.objects.get(pk=posting.pk)


@pytest.fixture
def draft(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    return posting


def test_the_step_opens_on_the_first_page_and_each_page_leads_to_the_next(client, draft):
    response = client.get(step_url("details", draft))
    assert response.context["page"] is JOB
    assert b"Hold Ctrl" not in response.content

    response = client.post(page_url(draft, JOB), answers_for(JOB))
    assert response["Location"] == page_url(draft, WHERE)
    assert reload(draft).title == VALID_DETAILS["title"]
    assert not DETAILS.is_complete(reload(draft))

    where = {"workplace": "hybrid", "shown_workplace": "hybrid", "city": "Berlin", "country": "DE"}
    response = client.post(page_url(draft, WHERE), where)
    assert response["Location"] == page_url(draft, APPLY)
    # The step's URL now opens the first page not done.
    assert client.get(step_url("details", draft)).context["page"] is APPLY

    response = client.post(page_url(draft, APPLY), answers_for(APPLY))
    posting = reload(draft)
    assert DETAILS.is_complete(posting)
    assert response["Location"] == step_url(FLOW.next_after(DETAILS, posting).name, posting)


def test_a_page_is_drawn_small(client, draft):
    for page in PAGES:
        response = client.get(page_url(draft, page))
        assert len(response.content) < 12_000, (page.slug, len(response.content))


def test_without_javascript_the_workplace_shows_its_fields_before_checking_them(client, draft):
    response = client.get(page_url(draft, WHERE))
    assert b'name="city"' not in response.content
    assert b'name="applicant_countries"' not in response.content

    # Chosen with no location field shown: the page again, with that workplace's fields.
    response = client.post(page_url(draft, WHERE), {"workplace": "remote", "shown_workplace": ""})
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert b'name="applicant_countries"' in response.content
    assert b'name="city"' not in response.content

    response = client.post(
        page_url(draft, WHERE), {"workplace": "remote", "shown_workplace": "remote"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["applicant_countries"] == [
        "Choose at least one country where applicants may live"
    ]


def test_with_htmx_a_chosen_workplace_brings_its_fields_at_once(client, draft):
    response = client.get(page_url(draft, WHERE, workplace="on_site"), **HTMX)
    assert response.content.lstrip().startswith(b'<div id="location-fields"')
    assert b'name="city"' in response.content
    assert b'value="on_site"' in response.content  # the hidden shown_workplace
    assert b'name="applicant_countries"' not in response.content


@pytest.mark.parametrize(
    "page,data,field,message",
    [
        (JOB, {}, "company_name", "Enter your company's name"),
        (JOB, {}, "title", "Enter the job title"),
        (JOB, {}, "employment_type", "Choose the type of employment"),
        (JOB, {}, "description", "Describe the job in at least 30 characters"),
        (WHERE, {"shown_workplace": ""}, "workplace", "Choose where the work is done"),
        (
            WHERE,
            {"workplace": "on_site", "shown_workplace": "on_site"},
            "city",
            "Enter the city where the office is",
        ),
        (
            APPLY,
            {"apply_url": "jobs page", "contact_email": "x"},
            "apply_url",
            "Enter a web address starting with https://",
        ),
        (
            APPLY,
            {"contact_email": "x"},
            "contact_email",
            "Enter an email address in the correct format, like name@example.com",
        ),
        (APPLY, {"salary_min": "lots"}, "salary_min", "Enter the lowest salary as a whole number"),
    ],
)
def test_messages_say_what_to_do(client, draft, page, data, field, message):
    response = client.post(page_url(draft, page), data)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}"'.encode() in response.content
    # Only the page's own fields are checked.
    assert set(response.context["form"].errors) <= set(page.fields)


def test_a_partial_draft_is_kept_as_typed_and_never_advances_a_step(client, draft):
    before, logged = reload(draft), TransitionLog.objects.count()
    typed = {"company_name": "Acme Corp", "title": "Half a ti"}
    response = client.post(page_url(draft, JOB), {**typed, "autosave": "1"})
    assert response.status_code == 204

    posting = reload(draft)
    assert posting.step_data["details"]["typed"] == typed
    assert (posting.title, posting.status) == ("", "logo_ready")
    assert posting.content_digest == before.content_digest
    assert TransitionLog.objects.count() == logged
    # A reload, or a second visit, shows what was typed.
    form = client.get(step_url("details", draft)).context["form"]
    assert form["title"].value() == "Half a ti"


def test_typed_values_equal_to_the_saved_ones_are_not_kept(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    client.post(page_url(posting, JOB), {**answers_for(JOB), "autosave": "1"})
    assert reload(posting).step_data["details"].get("typed", {}) == {}


def test_a_valid_page_drops_its_typed_values(client, draft):
    client.post(page_url(draft, JOB), {"title": "Half", "autosave": "1"})
    client.post(page_url(draft, JOB), answers_for(JOB))
    posting = reload(draft)
    assert posting.step_data["details"]["typed"] == {}
    assert posting.title == VALID_DETAILS["title"]


def test_a_draft_save_leaves_an_open_checkout_open(client):
    posting = posting_at(Status.AWAITING_PAYMENT)
    own(client, posting)
    before = reload(posting)
    response = client.post(page_url(posting, JOB), {"title": "Another title", "autosave": "1"})
    assert response.status_code == 204
    after = reload(posting)
    assert (after.status, after.current_attempt_id) == (before.status, before.current_attempt_id)
    assert after.content_digest == before.content_digest
    assert after.step_data["details"]["typed"]["title"] == "Another title"


@pytest.mark.parametrize("status", [Status.PAID, Status.PAYMENT_PROCESSING])
def test_a_draft_save_is_refused_once_paid_or_processing(client, status):
    posting = posting_at(status)
    own(client, posting)
    before = reload(posting).step_data
    response = client.post(page_url(posting, JOB), {"title": "Late", "autosave": "1"})
    assert response.status_code == 302
    assert reload(posting).step_data == before


def test_a_change_link_leads_back_to_the_review(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    url = DETAILS.change_url(posting, "city")
    assert url == page_url(posting, WHERE, change=1) + "#id_city"

    response = client.get(url.split("#")[0])
    assert b'<input type="hidden" name="change" value="1">' in response.content
    data = {
        "workplace": "hybrid",
        "shown_workplace": "hybrid",
        "city": "Hamburg",
        "country": "DE",
        "change": "1",
    }
    response = client.post(page_url(posting, WHERE), data)
    assert response["Location"] == FLOW.payment.url(posting)
    assert reload(posting).city == "Hamburg"


def test_without_a_change_link_a_page_leads_to_the_next_page(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    response = client.post(page_url(posting, JOB), answers_for(JOB))
    assert response["Location"] == page_url(posting, WHERE)


def test_finish_later_from_a_page_without_the_email_asks_for_it(client, draft):
    response = client.post(page_url(draft, JOB), {"title": "Typed", "finish_later_link": "1"})
    assert response.status_code == 200
    assert response.context["page"].slug == "finish-later"
    assert reload(draft).step_data["details"]["typed"]["title"] == "Typed"

    response = client.post(
        f"{step_url('details', draft)}?page=finish-later",
        {"contact_email": "later@acme.example", "finish_later_link": "1"},
    )
    assert response.status_code == 200
    posting = reload(draft)
    assert posting.contact_email == "later@acme.example"
    assert posting.finish_later_nonce

    # The link opens the draft as typed, in another browser.
    browser = Client()
    path = f"/post/finish-later/{links.make_finish_later_token(posting)}/"
    response = browser.post(path)
    page = browser.get(response["Location"])
    assert b"Welcome back" in page.content
    assert page.context["form"]["title"].value() == "Typed"

    # Used again by the browser that holds the draft: the draft, with a word.
    for again in (browser.get(path), browser.post(path)):
        assert again.status_code == 302
        assert again["Location"] == step_url("details", posting)
    # Anyone else still gets "already used".
    assert Client().get(path).status_code == 410


@pytest.mark.parametrize("status", [Status.PAID, Status.PAYMENT_PROCESSING])
def test_keeping_a_draft_refuses_a_paid_posting_or_one_whose_payment_is_on_its_way(status):
    posting = posting_at(status)
    with pytest.raises(edits.PostingLocked):
        DETAILS.keep_typed(posting, {"title": "Late"})
    assert "typed" not in reload(posting).step_data.get("details", {})


@pytest.mark.parametrize("workplace", ["hybrid", "remote"])
def test_the_where_page_draws_one_country_list_only(client, draft, workplace):
    response = client.post(page_url(draft, WHERE), {"workplace": workplace, "shown_workplace": ""})
    assert len(re.findall(rb'<option value="?DE[" >]', response.content)) == 1
    # 250 countries are about 9.5 KB of it (the whole form was 27.7 KB with two lists).
    assert len(response.content) < 15_000, len(response.content)

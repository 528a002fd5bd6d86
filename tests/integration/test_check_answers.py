"""Question pages in the GOV.UK manner: the error summary and "Error: " in the title, the
review's "check your answers" with a Change link per answer that comes back to it, the
progress that does not count the confirmation, and Pay that says what it needs."""

import re

import pytest

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.flow.order import FLOW, Flow
from wizard.flow.steps.base import Answer, Step
from wizard.flow.steps.confirmation import ConfirmationStep
from wizard.flow.steps.details import DetailsStep
from wizard.flow.steps.logo import LogoStep
from wizard.flow.steps.payment import PaymentStep
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def title_of(html):
    return re.search(r"<title>(.*?)</title>", html, re.S)[1]


def change_links(html):
    """(visually-hidden name, href) of each Change link on the page."""
    return re.findall(
        r'<a href="([^"]+)">Change<span class="visually-hidden"> ([^<]+)</span></a>', html
    )


# --- The error summary ------------------------------------------------------------


def test_a_refused_form_lists_each_problem_linked_to_its_field_and_says_error_in_the_title(
    client,
):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.post(step_url("details", posting), {**VALID_DETAILS, "title": ""})
    page = response.content.decode()

    assert response.status_code == 422
    assert title_of(page).startswith("Error: Details · Step 2 of ")
    summary = page.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert "There is a problem" in summary
    assert '<a href="#id_title">' in summary
    # The summary comes first in the panel; the field's own message, above its input,
    # says "Error:" to a screen reader.
    assert page.index("There is a problem") < page.index("<h1>")
    assert '<span class="visually-hidden">Error:</span>' in page
    assert page.index('id="id_title_error"') < page.index('name="title"')


def test_an_htmx_refusal_carries_the_error_title_for_the_swap(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    page = client.post(step_url("details", posting), {}, **HTMX).content.decode()
    assert re.search(r'data-title="Error: Details · Step \d of \d · Jobwizard"', page)
    assert page.count('href="#id_') >= 3  # every required field is listed


def test_errors_that_belong_to_no_field_are_listed_too(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    page = client.post(
        step_url("details", posting), {**VALID_DETAILS, "apply_url": "", "apply_email": ""}
    ).content.decode()
    summary = page.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert summary.count("<li>") >= 1


def test_a_page_without_errors_has_no_summary_and_a_plain_title(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    page = client.get(step_url("details", posting)).content.decode()
    assert "data-error-summary" not in page
    assert title_of(page).startswith("Details · Step 2 of ")


# --- Check your answers -------------------------------------------------------------


def test_the_review_lists_every_answer_with_a_change_link_to_its_field(client, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    page = client.get(step_url("payment", posting)).content.decode()

    assert "Check your answers" in page and "Edit details" not in page
    assert "+1 415-555-0123" in page  # the verified phone number, as people write it
    links = dict((name, href) for href, name in change_links(page))
    details, logo, phone = (step_url(name, posting) for name in ("details", "logo", "phone"))
    assert links["job title"] == f"{details}?page=job&amp;change=1#id_title"
    assert links["company name"] == f"{details}?page=job&amp;change=1#id_company_name"
    assert links["receipt to"] == f"{details}?page=apply&amp;change=1#id_contact_email"
    assert links["logo"] == f"{logo}?change=1#id_logo"
    assert links["phone (verified)"] == f"{phone}?another&amp;change=1#id_phone"
    assert {"workplace", "location", "salary", "how to apply", "employment type"} <= set(links)


def test_a_step_added_to_the_flow_shows_its_answers_on_the_review_without_a_template():
    class TermsStep(Step):
        name = "terms"
        title = "Terms"

        def is_complete(self, posting):
            return True

        def answers(self, posting):
            return [Answer("Terms", "Accepted", "/terms/?change=1")]

    flow = Flow([LogoStep(), DetailsStep(), TermsStep(), PaymentStep(), ConfirmationStep()])
    posting = JobPosting(company_name="Acme Corp")
    labels = [answer.label for answer in flow.payment.review(posting)]
    assert labels.index("Logo") < labels.index("Company name") < labels.index("Terms")
    assert labels[-1] == "Terms"


def test_a_step_answers_nothing_and_changes_at_its_field_by_default():
    class QuietStep(Step):
        name = "details"

    posting = JobPosting()
    assert QuietStep().answers(posting) == []
    assert QuietStep().change_url(posting, "title") == (
        step_url("details", posting) + "?change=1#id_title"
    )


def test_a_change_link_opens_the_step_whose_forms_come_back_to_the_review(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    page = client.get(step_url("logo", posting) + "?change=1").content.decode()
    assert f'action="{step_url("logo", posting)}?change=1"' in page
    # A step with pages of its own posts to the page, and says it came from the review.
    page = client.get(step_url("details", posting) + "?page=job&change=1").content.decode()
    assert 'name="change" value="1"' in page

    response = client.post(
        step_url("details", posting) + "?change=1", {**VALID_DETAILS, "title": "Staff Engineer"}
    )
    assert response.status_code == 302
    assert response["Location"] == step_url("payment", posting)
    assert JobPosting.objects.get(pk=posting.pk).title == "Staff Engineer"
    assert "Staff Engineer" in client.get(response["Location"]).content.decode()


def test_a_change_posted_as_a_field_comes_back_to_the_review_too(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    response = client.post(step_url("logo", posting), {"skip": "1", "change": "1"}, **HTMX)
    assert response["HX-Push-Url"] == step_url("payment", posting)


def test_only_a_change_link_sends_a_save_back_to_the_review(rf, monkeypatch):
    # A step whose flow goes on elsewhere (a details sub-page, say): a save from the
    # review's Change link still goes back to the review.
    details = FLOW["details"]
    monkeypatch.setattr(FLOW, "next_after", lambda step, posting: details)
    posting = posting_at(Status.READY_TO_PAY)
    assert details.next_after_save(rf.post("/", {}), posting) is details
    assert details.next_after_save(rf.post("/?change=1", {}), posting) is FLOW.payment
    assert details.next_after_save(rf.post("/", {"change": "1"}), posting) is FLOW.payment


def test_a_change_that_leaves_a_step_undone_goes_to_that_step_first(client, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    posting = posting_at(Status.READY_TO_PAY)
    FLOW["phone"].set_data(posting, number="+14155550199")  # a number not yet verified
    posting.save()
    own(client, posting)
    response = client.post(step_url("details", posting) + "?change=1", VALID_DETAILS)
    assert response["Location"] == step_url("phone", posting)


# --- Progress, the start page, Pay without JavaScript -------------------------------


def test_the_confirmation_page_is_not_a_step(client):
    posting = posting_at(Status.IN_REVIEW)
    own(client, posting)
    page = client.get(step_url("confirmation", posting)).content.decode()
    assert title_of(page) == "Confirmation · Jobwizard"
    assert 'aria-label="Progress"' not in page


def test_the_progress_says_the_step_and_its_title_with_one_bar(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    page = client.get(step_url("details", posting)).content.decode()
    count = FLOW.count(posting)
    assert f'Step 2 of {count} <span aria-hidden="true">·</span> Details' in page
    assert f'<progress class="progress__bar" max="{count}" value="2"' in page


def test_the_start_page_lists_the_flows_steps(client, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    page = client.get("/post/").content.decode()
    items = re.findall(r"<li>([^<]+)</li>", page.split('class="overview"')[1].split("</ol>")[0])
    assert items == [step.title for step in FLOW.counted(JobPosting())]
    assert "Phone" in items and "Confirmation" not in items


def test_pay_without_the_bot_checks_token_is_refused_honestly(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    response = client.post(
        step_url("payment", posting), {"reviewed": posting.content_digest, "pay": ""}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "needs JavaScript" in page and "press Pay again" not in page


def test_the_phone_change_link_opens_the_number_field_and_comes_back(client, settings):
    """A verified number's page has no number field until "Use another number": the
    review's Change link asks for it, and the page's form carries the way back."""
    settings.PHONE_VERIFICATION_ENABLED = True
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    [answer] = FLOW["phone"].answers(posting)
    page = client.get(answer.change_url.split("#")[0]).content.decode()
    assert 'id="id_phone"' in page
    assert f'action="{step_url("phone", posting)}?change=1"' in page

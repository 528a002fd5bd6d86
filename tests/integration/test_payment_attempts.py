"""Each press of Pay pays for what the employer reviewed, and belongs to one attempt row."""

import urllib.request
from unittest import mock

import pytest

from tests.conftest import VALID_DETAILS, step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form, press_pay, session_id_from
from wizard.models import JobPosting, PaymentAttempt, Status
from wizard.payments import checkout
from wizard.payments.exceptions import ContentChanged

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY, title="A", contact_email="a@acme.example")
    own(client, posting)
    return posting


def sessions_at_stripe():
    return stripe_api().v1.checkout.sessions.list().data


def test_paying_from_a_stale_tab_pays_for_nothing_and_shows_what_changed(client, posting):
    tab_a = pay_form(posting)  # tab A shows title "A", receipt to a@…
    tab_b = {**VALID_DETAILS, "title": "B", "contact_email": "b@acme.example"}
    assert client.post(step_url("details", posting), tab_b).status_code == 302

    response = client.post(step_url("payment", posting), tab_a)

    assert response.status_code == 409
    assert b"changed since you reviewed it" in response.content
    assert b"b@acme.example" in response.content  # the current content, to review again
    assert sessions_at_stripe() == []
    fresh = JobPosting.objects.get()
    assert (fresh.status, fresh.current_attempt) == (Status.READY_TO_PAY, None)
    assert not PaymentAttempt.objects.exists()


def test_an_edit_landing_just_before_the_reservation_is_caught_under_the_lock(posting):
    reviewed = posting.content_digest
    JobPosting.objects.filter(pk=posting.pk).update(title="Edited meanwhile")
    with pytest.raises(ContentChanged):
        checkout.start_checkout(
            posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
        )
    assert sessions_at_stripe() == [] and not PaymentAttempt.objects.exists()


def test_the_line_item_names_the_job(client, posting, fakestripe):
    url = press_pay(client, posting)
    with urllib.request.urlopen(url) as page:  # the hosted checkout page
        assert "Job posting: A at Acme Corp" in page.read().decode()


def test_each_attempt_is_a_row_with_its_session_and_how_it_ended(client, posting):
    first = session_id_from(press_pay(client, posting))
    stripe_api().v1.checkout.sessions.expire(first)
    second = session_id_from(press_pay(client, posting))

    one, two = PaymentAttempt.objects.order_by("number")
    assert (one.number, one.session_id, one.state) == (1, first, "closed")
    assert (two.number, two.session_id, two.state) == (2, second, "open")
    assert one.reviewed == two.reviewed == JobPosting.objects.get().content_digest
    assert one.idempotency_key.endswith("-1") and two.idempotency_key.endswith("-2")


def test_a_press_that_raced_one_that_opened_the_checkout_gets_the_same_url(client, posting):
    """The interleaving behind "two presses, two sessions": press B looked before press A
    recorded its session, and reserves after. It must reuse A's checkout, not start
    attempt 2."""
    first = press_pay(client, posting)  # press A, complete
    seen_by_b = JobPosting.objects.get()
    seen_by_b.__dict__["status"] = Status.READY_TO_PAY  # read before A recorded its session
    with mock.patch.object(checkout.JobPosting.objects, "get", return_value=seen_by_b):
        second = checkout.start_checkout(
            posting.pk,
            success_url="http://testserver/ok",
            cancel_url="http://testserver/no",
            reviewed=seen_by_b.content_digest,
        )
    assert second == first
    assert len(sessions_at_stripe()) == 1
    assert JobPosting.objects.get().current_attempt.number == 1


def test_the_review_shows_the_salary_as_the_board_does_and_says_no_logo(client, fakestripe):
    posting = posting_at(
        Status.READY_TO_PAY, salary_min=70000, salary_max=90000, salary_currency="eur"
    )
    own(client, posting)
    page = client.get(step_url("payment", posting)).content.decode()
    assert "EUR 70,000–90,000 a year" in page
    assert "No logo" in page and "None" not in page


def test_every_page_has_the_site_favicon(client):
    page = client.get("/post/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    from django.contrib.staticfiles import finders

    assert finders.find("img/favicon.svg")


def test_the_status_of_an_unpaid_draft_sends_the_employer_to_their_step(client, posting):
    response = client.get(f"/post/{posting.pk}/status/")
    assert response.status_code == 302
    assert response["Location"] == step_url("payment", posting)


@pytest.mark.parametrize("esp", [False, True])
def test_the_ledger_waits_for_a_delivery_report_only_when_the_mailer_sends_them(
    client, settings, esp
):
    settings.EMAIL_DELIVERY_REPORTS = esp
    posting = posting_at(Status.IN_REVIEW)
    own(client, posting)
    page = client.get(f"/post/{posting.pk}/status/").content.decode()
    assert ("Confirmation email delivered" in page) is esp

"""The confirmation page keeps itself current from payment to staff's decision: it polls
our own work every 2 s, a pending review less often, and stops once nothing more can
happen without the employer. Only the progress is polled, so a form being filled in
below it is left alone until the phase changes."""

import pytest

from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from wizard.models import Actor, JobPosting, Status
from wizard.postings import review

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def paid(client, fakestripe):
    """Paid through fakestripe; its receipt is queued, not yet sent."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    return JobPosting.objects.get(pk=posting.pk)


def poll(client, posting, phase):
    return client.get(f"/post/{posting.pk}/status/", {"phase": phase}, **HTMX)


def test_while_the_receipt_is_on_its_way_only_the_progress_is_polled_every_2s(client, paid):
    response = poll(client, paid, "busy")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="posting-progress"' in page and 'hx-trigger="every 2s"' in page
    assert 'id="posting-status"' not in page and "<form" not in page
    assert "HX-Retarget" not in response


def test_once_in_review_the_whole_section_is_sent_and_polls_slower(
    client, paid, run_tasks, settings
):
    settings.REVIEW_POLL_SECONDS = 20
    run_tasks()  # the receipt is sent: in review
    response = poll(client, paid, "busy")
    page = response.content.decode()
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#posting-status", "outerHTML")
    assert "Your job is in review" in page
    assert 'hx-trigger="every 20s"' in page and "phase=review" in page
    assert "Send the confirmation again" in page  # the forms come with it

    response = poll(client, paid, "review")
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert "<form" not in response.content.decode()


def test_approval_is_shown_live_then_polling_stops(client, paid, run_tasks):
    run_tasks()
    review.approve(paid.pk, by=Actor.system())
    response = poll(client, paid, "review")
    page = response.content.decode()
    assert response["HX-Retarget"] == "#posting-status"
    assert "Your job is live" in page
    assert "phase=busy" in page  # the "it is live" email is on its way

    run_tasks()
    response = poll(client, paid, "busy")
    assert response.status_code == 286  # htmx: swap this, then stop polling
    assert "Your job is live" in response.content.decode()
    assert "hx-trigger" not in response.content.decode()


def test_a_rejection_is_shown_live_then_polling_stops(client, paid, run_tasks):
    run_tasks()
    review.reject(paid.pk, by=Actor.system(), reason="Not a real job.")
    response = poll(client, paid, "review")
    assert response["HX-Retarget"] == "#posting-status"
    assert "Your posting was not approved" in response.content.decode()

    run_tasks()
    response = poll(client, paid, "busy")
    assert response.status_code == 286
    assert "hx-trigger" not in response.content.decode()


def test_a_page_loaded_in_review_already_polls(client, paid, run_tasks):
    run_tasks()
    page = client.get(f"/post/{paid.pk}/confirmation/").content.decode()
    assert "phase=review" in page and "hx-trigger" in page

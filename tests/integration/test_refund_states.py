"""Refunds as Stripe makes them: pending at the bank, failed, or lost behind a 500 that
Stripe replays for its idempotency key. A refund is never asked twice."""

import pytest

from tests.integration.test_refunds import latest_event, paid_posting, paying, refunds_at_stripe  # noqa: F401
from tests.integration.test_webhooks import deliver
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, Refund, Status
from wizard.payments import refunds

pytestmark = pytest.mark.django_db

REFUNDS = r"^/v1/refunds$"


@pytest.fixture
def paid(client, paying, fakestripe):  # noqa: F811
    return paid_posting(client, paying, fakestripe)


def test_a_pending_refund_stays_pending_until_stripe_says_it_is_made(
    client, paid, fakestripe, run_tasks
):
    fakestripe.configure(refund_outcome="pending")
    record = refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    assert (record.state, record.stripe_status) == ("pending", "pending")
    posting = JobPosting.objects.get()
    assert posting.status == Status.IN_REVIEW  # not refunded before the money went back
    ledger = client.get(f"/post/{posting.pk}/status/").content.decode()
    assert "on its way back to your card" in ledger

    fakestripe.settle_refund(record.stripe_refund_id, "succeeded")
    assert deliver(client, latest_event("refund.updated")).status_code == 200
    run_tasks()
    record.refresh_from_db()
    assert (record.state, record.stripe_status) == ("succeeded", "succeeded")
    assert JobPosting.objects.get().status == Status.REFUNDED


def test_a_pending_refund_that_fails_later_alerts_staff_and_the_employer(
    client, paid, fakestripe, run_tasks
):
    fakestripe.configure(refund_outcome="pending")
    record = refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    fakestripe.settle_refund(
        record.stripe_refund_id, "failed", failure_reason="expired_or_canceled_card"
    )
    deliver(client, latest_event("refund.failed"))
    run_tasks()
    record.refresh_from_db()
    assert (record.state, record.stripe_status) == ("failed", "failed")
    assert "expired_or_canceled_card" in record.error
    posting = JobPosting.objects.with_attention().get()
    assert posting.attention_refund and posting.status != Status.REFUNDED
    assert "could not refund your payment" in posting.last_error_message


def test_a_refund_that_stripe_fails_later_is_escalated(client, paid, fakestripe, run_tasks):
    """Stripe never creates a refund failed: it answers pending, and the failure follows."""
    fakestripe.configure(refund_outcome="failed")
    record = refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    assert (record.state, record.stripe_status) == ("pending", "pending")

    assert deliver(client, latest_event("refund.failed")).status_code == 200
    run_tasks()

    assert Refund.objects.get().state == "failed"
    assert JobPosting.objects.with_attention().get().attention_refund
    assert JobPosting.objects.get().status == Status.IN_REVIEW


def test_a_500_stripe_replays_for_its_key_does_not_block_the_refund(
    paid, fakestripe, settings, run_tasks
):
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    fakestripe.inject_fault("500", count=1, method="POST", path=REFUNDS)
    with pytest.raises(refunds.PaymentError):
        refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    run_tasks()  # attempt 2: nothing at Stripe yet, so a new key asks again
    assert Refund.objects.get().state == "succeeded"
    assert len(refunds_at_stripe(paid.current_attempt.payment_intent_id)) == 1
    assert Job.objects.get(kind="refund").attempts == 2


def test_a_refund_whose_answer_was_lost_is_found_not_asked_again(
    paid, fakestripe, settings, run_tasks
):
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fakestripe.inject_fault("lost_response", count=1, method="POST", path=REFUNDS)
    with pytest.raises(refunds.PaymentError):
        refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    run_tasks()  # attempt 2 looks first, and adopts the refund Stripe made
    assert len(refunds_at_stripe(paid.current_attempt.payment_intent_id)) == 1
    assert Refund.objects.get().state == "succeeded"
    assert JobPosting.objects.get().status == Status.REFUNDED

"""Refunds made anywhere (issue 16, item 4): a full refund made outside the app (Stripe's
Dashboard) ends the posting whatever its paid status, a partial one is recorded and raised
to staff, and our own refund never adopts someone else's partial one."""

import logging

import pytest
from django.core import mail
from django.db import transaction

from tests.conftest import stripe_api
from tests.integration.test_refunds import (  # noqa: F401
    latest_event,
    paid_posting,
    paying,
    refunds_at_stripe,
)
from tests.integration.test_webhooks import deliver
from wizard.jobs.models import Job, StaffNotice
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, RefundMade, Status
from wizard.payments import refunds
from wizard.postings import links, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, paying, fakestripe):  # noqa: F811
    return paid_posting(client, paying, fakestripe)


@pytest.fixture
def published(client, paid, fakestripe, run_tasks):
    posting = review.approve(paid.pk, by=Actor.system())
    run_tasks()  # the approval email and the indexing notice go out
    assert client.get(links.public_url(posting)).status_code == 200
    return posting


def charge_of(posting):
    intent_id = posting.current_attempt.payment_intent_id
    return stripe_api().v1.payment_intents.retrieve(intent_id).latest_charge


def dashboard_refund(client, fakestripe, posting, amount=None):
    """Refund at "the Dashboard" and deliver Stripe's charge.refunded."""
    refund = fakestripe.dashboard_refund(charge_of(posting), amount=amount)
    assert deliver(client, latest_event("charge.refunded")).status_code == 200
    return refund


def test_a_full_dashboard_refund_of_a_published_posting_ends_it(
    client, published, fakestripe, run_tasks
):
    public_url = links.public_url(published)
    mail.outbox.clear()

    dashboard_refund(client, fakestripe, published)
    run_tasks()

    posting = JobPosting.objects.get()
    assert posting.status == Status.REFUNDED and posting.refunded_at
    assert client.get(public_url).status_code == 404  # off the board
    assert posting.title not in client.get("/").text
    deleted = Job.objects.get(kind="indexing", name="URL_DELETED")
    assert (deleted.state, deleted.payload["url"]) == ("sent", public_url)  # de-indexed
    [email] = [m for m in mail.outbox if "refunded" in m.subject]
    assert email.to == [posting.contact_email]
    assert (
        "USD 99.00" in email.body
        and "has been refunded in full, so the posting has ended" in email.body
    )
    assert "no longer on the board" in email.body and "withdrawn" not in email.body
    record = Refund.objects.get()
    assert (record.reason, record.state, record.amount) == ("external", "succeeded", 9900)
    assert PaymentAttempt.objects.get().amount_refunded == 9900
    [made] = RefundMade.objects.all()
    assert (made.amount, made.status, made.by_us) == (9900, "succeeded", False)
    log = posting.transitions.get(target=Status.REFUNDED)
    assert (log.transition, log.source) == ("end_with_refund", Status.PUBLISHED)
    ledger = client.get(f"/post/{posting.pk}/status/").text
    assert "Refund of USD 99.00" in ledger and "your payment in full" in ledger


def test_a_full_dashboard_refund_of_an_expired_posting_ends_it(
    client, published, fakestripe, run_tasks
):
    with transaction.atomic():
        posting = JobPosting.objects.select_for_update().get()
        posting.expire(by=Actor.system(), why="Its time is up")
        posting.save()
    dashboard_refund(client, fakestripe, published)
    run_tasks()
    assert JobPosting.objects.get().status == Status.REFUNDED
    assert Job.objects.filter(kind="email", name="refunded").exists()


def test_a_partial_dashboard_refund_is_recorded_and_raised_to_staff(
    client, published, fakestripe, run_tasks
):
    refund = dashboard_refund(client, fakestripe, published, amount=2000)
    run_tasks()

    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.PUBLISHED  # unchanged
    assert posting.attention_partly_refunded and posting.needs_attention
    payment = PaymentAttempt.objects.get()
    assert (payment.amount_refunded, payment.partly_refunded) == (2000, True)
    [made] = RefundMade.objects.all()
    assert (made.stripe_refund_id, made.amount, made.by_us) == (refund["id"], 2000, False)
    assert not Refund.objects.exists()  # no refund of ours: the posting goes on
    assert not Job.objects.filter(kind="email", name="refunded").exists()
    [alert] = StaffNotice.objects.all()  # staff decide what it means
    assert alert.name.endswith(":2000") and "USD 20.00 of USD 99.00" in alert.body
    ledger = client.get(f"/post/{posting.pk}/status/").text
    assert "Refund of USD 20.00" in ledger and "part of your payment" in ledger

    # The rest refunded later: now it is refunded in full, and the posting ends.
    dashboard_refund(client, fakestripe, published)
    run_tasks()
    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.REFUNDED and not posting.attention_partly_refunded
    assert PaymentAttempt.objects.get().amount_refunded == 9900
    assert RefundMade.objects.count() == 2


def test_a_partial_refund_before_review_leaves_the_posting_in_review(
    client, paid, fakestripe, run_tasks
):
    posting = paid
    dashboard_refund(client, fakestripe, posting, amount=100)
    run_tasks()
    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.IN_REVIEW and posting.attention_partly_refunded


def test_staff_cannot_refund_a_published_posting_from_their_button(published):
    """Staff's own refund keeps today's statuses (before review); the Dashboard can do more."""
    assert not refunds.is_refundable(JobPosting.objects.get())
    with pytest.raises(refunds.NothingToRefund):
        refunds.refund(published, Refund.Reason.STAFF, by=Actor.system())


def test_an_earlier_partial_refund_is_not_adopted_as_ours(paid, fakestripe, settings, run_tasks):
    """Our refund's first request fails with a 500 Stripe keeps for its key; the retry
    looks for a refund Stripe already made: the Dashboard's partial one is not it."""
    posting = paid
    fakestripe.dashboard_refund(charge_of(posting), amount=1000)  # its webhook never came
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    fakestripe.inject_fault("500", count=1, method="POST", path=r"^/v1/refunds$")
    with pytest.raises(refunds.PaymentError):
        refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())

    run_tasks()  # attempt 2: the partial refund is not the whole amount due; asks for it

    at_stripe = refunds_at_stripe(posting.current_attempt.payment_intent_id)
    assert sorted(refund.amount for refund in at_stripe) == [1000, 8900]
    record = Refund.objects.get()
    assert record.state == "succeeded"
    assert record.stripe_refund_id == next(r.id for r in at_stripe if r.amount == 8900)
    assert JobPosting.objects.get().status == Status.REFUNDED


def test_a_refund_of_the_whole_amount_left_is_adopted(paid, fakestripe):
    """Adopted: a refund that, with the others, leaves nothing of the payment."""
    posting = paid
    charge = charge_of(posting)
    fakestripe.dashboard_refund(charge, amount=1000)
    rest = fakestripe.dashboard_refund(charge)
    record = Refund(payment_intent_id=posting.current_attempt.payment_intent_id, amount=9900)
    assert refunds._refund_at_stripe(record).id == rest["id"]
    partial_only = Refund(payment_intent_id=record.payment_intent_id, amount=20000)
    assert refunds._refund_at_stripe(partial_only) is None


def test_staff_see_a_partial_refund_on_the_posting_and_in_the_attention_list(
    client, admin_client, published, fakestripe, run_tasks
):
    dashboard_refund(client, fakestripe, published, amount=2000)
    run_tasks()
    page = admin_client.get(f"/admin/wizard/jobposting/{published.pk}/change/").text
    assert "Refunded at Stripe" in page and "USD 20.00" in page
    listed = admin_client.get("/admin/wizard/jobposting/", {"attention": "partly_refunded"})
    assert published.title in listed.text and "Partly refunded at Stripe" in listed.text


def test_an_update_of_someone_elses_refund_is_not_taken_for_ours(
    client, paid, fakestripe, run_tasks
):
    """Two refunds of one payment, both pending: the Dashboard's partial one succeeding
    does not make ours succeeded."""
    fakestripe.configure(refund_outcome="pending")
    theirs = fakestripe.dashboard_refund(charge_of(paid), amount=1000)
    record = refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    assert (record.state, record.amount) == ("pending", 9900)

    fakestripe.settle_refund(theirs["id"], "succeeded")
    assert deliver(client, latest_event("refund.updated")).status_code == 200
    run_tasks()

    assert Refund.objects.get().state == "pending"
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert PaymentAttempt.objects.get().amount_refunded == 1000
    assert RefundMade.objects.get(stripe_refund_id=theirs["id"]).status == "succeeded"


def test_the_refund_of_a_payment_never_the_postings_is_applied_not_an_error(
    client,
    paying,  # noqa: F811
    fakestripe,
    run_tasks,
    caplog,
):
    """Found by the soak: a payment that never became the posting's (here a mismatched
    amount; a superseded attempt's late payment alike) is refunded, and its charge.refunded
    logged an ERROR, "matches no posting", for every one. Its record is our Refund: a full
    refund is applied to it (also when its job's success was lost), and nothing is an
    error."""
    posting, session_id = paying
    fakestripe.complete_session(session_id, amount_total=100)
    assert deliver(client, latest_event("checkout.session.completed")).status_code == 200
    run_tasks()
    assert (Refund.objects.get().reason, Refund.objects.get().state) == ("mismatch", "succeeded")
    Refund.objects.update(state=Refund.State.PENDING)  # as if the job's success was lost

    with caplog.at_level(logging.WARNING):
        assert deliver(client, latest_event("charge.refunded")).status_code == 200
        run_tasks()

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert Refund.objects.get().state == Refund.State.SUCCEEDED
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    assert not RefundMade.objects.exists()  # no attempt of its own to hang it on

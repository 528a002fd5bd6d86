"""A card payment's events as Stripe sends them: five (payment_intent.created,
charge.succeeded, payment_intent.succeeded, charge.updated, checkout.session.completed) and
its invoice's four (invoice.created, .finalized, .paid, .payment_succeeded), in any order.
Each is stored and acknowledged; the app acts on the types it handles
(stripe_events.HANDLERS) and ignores the rest; the posting lands in review exactly once,
whatever the order and whether the employer's return comes first."""

import time

import pytest

from tests.factories import own, posting_at
from tests.fakestripe_process import APP_PAYMENT_EVENTS
from tests.integration.test_payment import press_pay, return_path, session_id_from
from wizard.jobs.models import Job
from wizard.models import JobPosting, Refund, Status, StripeEvent, TransitionLog
from wizard.payments.stripe_events import HANDLERS

pytestmark = pytest.mark.django_db

SEEDS = range(1, 7)
DECLINED = "4000000000000002"


@pytest.fixture
def delivering(live_server, fakestripe):
    """fakestripe sends its events to the app, each operation's shuffled by its seed."""
    fakestripe.configure(webhook_url=f"{live_server.url}/stripe/webhook/")
    return fakestripe


def delivered(fakestripe, count, timeout=10):
    """The first `count` deliveries the app acknowledged, in the order they were sent."""
    deadline = time.monotonic() + timeout
    while True:
        answered = [a for a in fakestripe.deliveries() if a["succeeded"]]
        if len(answered) >= count or time.monotonic() > deadline:
            assert len(answered) == count, fakestripe.deliveries()
            return answered
        time.sleep(0.02)


def new_posting(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def assert_in_review_once(posting):
    posting = JobPosting.objects.get(pk=posting.pk)
    assert posting.status == Status.IN_REVIEW
    for status in (Status.PAID, Status.CONFIRMED, Status.IN_REVIEW):
        assert posting.transitions.filter(target=status).count() == 1, status
    assert not Refund.objects.filter(posting=posting).exists()


def assert_each_event_processed(posting_events):
    for stored in posting_events:
        job = Job.objects.get(stripe_event=stored)
        assert job.state == Job.State.SENT, (stored.type, job.last_error)
        if stored.type not in HANDLERS:
            assert job.payload["outcome"] == {"handled": False}, stored.type


def test_a_payment_lands_in_review_exactly_once_whatever_the_order_of_its_events(
    client, delivering, run_tasks
):
    orders = set()
    for seed in SEEDS:
        delivering.reset()  # each seed's deliveries alone (the webhook URL stays)
        delivering.configure(event_seed=seed)
        posting = new_posting(client)
        delivering.pay(session_id_from(press_pay(client, posting)))

        sent = [a["event_type"] for a in delivered(delivering, len(APP_PAYMENT_EVENTS))]
        assert sorted(sent) == sorted(APP_PAYMENT_EVENTS)
        orders.add(tuple(sent))
        events = StripeEvent.objects.filter(
            event_id__in=[a["event_id"] for a in delivering.deliveries()]
        )
        assert list(events.order_by("pk").values_list("type", flat=True)) == sent
        assert {event.posting_id for event in events} == {posting.pk}  # metadata names it

        run_tasks()  # the worker takes them in the order they arrived
        assert_in_review_once(posting)
        assert_each_event_processed(events)
    assert len(orders) >= 3  # the seeds do shuffle: several orders were tried
    assert JobPosting.objects.filter(status=Status.IN_REVIEW).count() == len(SEEDS)


@pytest.mark.parametrize("seed", [2, 5])
def test_the_return_first_then_the_shuffled_events_change_nothing_more(
    client, delivering, run_tasks, seed
):
    delivering.configure(event_seed=seed)
    posting = new_posting(client)
    status, location = delivering.pay(session_id_from(press_pay(client, posting)))
    assert status == 303
    assert client.get(return_path(location)).status_code in (200, 302)
    assert_in_review_once(posting)

    delivered(delivering, len(APP_PAYMENT_EVENTS))
    run_tasks()
    assert_in_review_once(posting)
    assert_each_event_processed(StripeEvent.objects.all())


def test_a_declined_card_then_a_payment_pays_once(client, delivering, run_tasks):
    """A decline sends charge.failed and payment_intent.payment_failed: the session stays
    open at Stripe, so the posting stays awaiting payment until the card that works."""
    posting = new_posting(client)
    session_id = session_id_from(press_pay(client, posting))
    assert delivering.pay(session_id, DECLINED)[0] == 402
    delivered(delivering, 3)
    run_tasks()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    assert sorted(StripeEvent.objects.values_list("type", flat=True)) == [
        "charge.failed",
        "payment_intent.created",
        "payment_intent.payment_failed",
    ]

    delivering.pay(session_id)
    delivered(delivering, 3 + len(APP_PAYMENT_EVENTS) - 1)  # the PaymentIntent is reused
    run_tasks()
    assert_in_review_once(posting)
    assert_each_event_processed(StripeEvent.objects.all())
    assert (
        TransitionLog.objects.filter(
            target=Status.READY_TO_PAY, source=Status.AWAITING_PAYMENT
        ).count()
        == 0
    )

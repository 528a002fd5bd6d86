"""Whatever Stripe or the network does, a posting is charged at most once (fakestripe faults)."""

import time

import pytest
from django_tasks_db.models import DBTaskResult

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.fakestripe_process import APP_PAYMENT_EVENTS, INVOICE_EVENTS
from tests.integration.test_payment import pay_form, press_pay, session_id_from
from tests.integration.test_refunds import latest_event
from tests.integration.test_webhooks import deliver
from wizard.jobs.models import Job
from wizard.models import JobPosting, PaymentAttempt, Refund, Status, StripeEvent, TransitionLog

pytestmark = pytest.mark.django_db

CREATE_SESSION = "^/v1/checkout/sessions$"


@pytest.fixture
def posting(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def sessions_at_stripe():
    return stripe_api().v1.checkout.sessions.list(params={"limit": 100}).data


def test_a_lost_create_response_is_retried_by_the_sdk_into_the_same_session(
    client, posting, fakestripe, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    fakestripe.inject_fault("lost_response", method="POST", path=CREATE_SESSION)
    session_id = session_id_from(press_pay(client, posting))
    assert [s.id for s in sessions_at_stripe()] == [session_id]
    assert JobPosting.objects.get().current_attempt.session_id == session_id


def test_a_timed_out_create_gives_a_friendly_error_and_the_retry_gets_the_same_session(
    client, posting, fakestripe, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    fakestripe.inject_fault("timeout", method="POST", path=CREATE_SESSION, delay=0.6)
    response = client.post(f"/post/{posting.pk}/payment/", pay_form(posting))
    assert response.status_code == 503
    assert b"payment provider is unavailable" in response.content
    assert JobPosting.objects.get().status == Status.READY_TO_PAY  # nothing half-created here
    time.sleep(0.5)  # Stripe finishes creating the session after the client gave up

    session_id = session_id_from(press_pay(client, posting))
    assert [s.id for s in sessions_at_stripe()] == [session_id]
    posting.refresh_from_db()
    assert (posting.current_attempt.number, posting.current_attempt.session_id) == (1, session_id)


def test_rate_limits_are_retried_with_the_same_key(client, posting, fakestripe, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    settings.STRIPE_RATE_LIMIT_RETRIES = 2
    fakestripe.inject_fault("429", count=2, method="POST", path=CREATE_SESSION)
    session_id = session_id_from(press_pay(client, posting))
    assert [s.id for s in sessions_at_stripe()] == [session_id]
    assert fakestripe.faults() == []


def test_a_failed_create_spends_its_key_and_the_next_press_starts_a_new_attempt(
    client, posting, fakestripe, settings
):
    """Stripe saves a 500 for its idempotency key and replays it for 24 hours."""
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    fakestripe.inject_fault("500", count=1, method="POST", path=CREATE_SESSION)
    response = client.post(f"/post/{posting.pk}/payment/", pay_form(posting))
    assert response.status_code == 503 and sessions_at_stripe() == []

    session_id = session_id_from(press_pay(client, posting))
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.metadata["attempt"] == "2"
    first, second = PaymentAttempt.objects.order_by("number")
    assert (first.state, second.state) == ("closed", "open")


@pytest.mark.parametrize("kind", ["500", "429"])
def test_a_provider_that_keeps_failing_gets_a_friendly_message(
    client, posting, fakestripe, settings, kind
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    settings.STRIPE_RATE_LIMIT_RETRIES = 1
    fakestripe.inject_fault(kind, count=5, method="POST", path=CREATE_SESSION)
    response = client.post(f"/post/{posting.pk}/payment/", pay_form(posting))
    assert response.status_code == 503
    assert b"You have not been charged" in response.content
    assert sessions_at_stripe() == []
    assert JobPosting.objects.get().status == Status.READY_TO_PAY


def test_a_late_completed_event_for_an_expired_attempt_is_refunded(
    client, posting, fakestripe, run_tasks
):
    first = session_id_from(press_pay(client, posting))
    stripe_api().v1.checkout.sessions.expire(first)
    deliver(client, latest_event("checkout.session.expired"))
    run_tasks()
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    second = session_id_from(press_pay(client, posting))

    # The first attempt's payment raced its expiry and won at Stripe.
    fakestripe.complete_session(first, force=True)
    assert deliver(client, latest_event("checkout.session.completed")).status_code == 200
    run_tasks()

    posting.refresh_from_db()
    assert (posting.status, posting.current_attempt.session_id) == (Status.AWAITING_PAYMENT, second)
    record = Refund.objects.get()
    assert (record.checkout_session_id, record.reason, record.state) == (
        first,
        "superseded",
        "succeeded",
    )
    assert stripe_api().v1.refunds.list(params={"payment_intent": record.payment_intent_id}).data
    assert not Job.objects.filter(kind="email").exists()  # paid once: one confirmation


def test_a_mismatched_amount_from_stripe_is_refunded_and_never_fulfilled(
    client, posting, fakestripe, run_tasks
):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.complete_session(session_id, amount_total=100)
    assert deliver(client, latest_event("checkout.session.completed")).status_code == 200
    run_tasks()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    record = Refund.objects.get()
    assert (record.reason, record.amount, record.state) == ("mismatch", 100, "succeeded")
    assert not TransitionLog.objects.filter(target=Status.PAID).exists()


def test_a_delayed_payment_method_pays_when_the_money_arrives(
    client, posting, fakestripe, run_tasks
):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.complete_session(session_id, payment_status="unpaid")
    assert deliver(client, latest_event("checkout.session.completed")).status_code == 200
    run_tasks()
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING  # completed, unpaid

    fakestripe.async_result(session_id, succeeded=True)
    assert (
        deliver(client, latest_event("checkout.session.async_payment_succeeded")).status_code == 200
    )
    run_tasks()
    assert JobPosting.objects.get().is_paid


def test_a_failed_delayed_payment_sends_the_employer_back_to_pay(
    client, posting, fakestripe, run_tasks
):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.complete_session(session_id, payment_status="unpaid")
    fakestripe.async_result(session_id, succeeded=False)
    assert deliver(client, latest_event("checkout.session.async_payment_failed")).status_code == 200
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.READY_TO_PAY
    assert "did not go through" in posting.last_error_message
    assert session_id_from(press_pay(client, posting)) != session_id


def test_duplicated_deliveries_pay_once(live_server, client, posting, fakestripe, run_tasks):
    """fakestripe delivers the completed event three times to the running app, with the
    payment's other events (its invoice's too); it is stored and processed once."""
    fakestripe.configure(webhook_url=f"{live_server.url}/stripe/webhook/")
    fakestripe.inject_webhook_fault("duplicate", times=3, event_type="checkout.session.completed")
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    sent = len(APP_PAYMENT_EVENTS) + 2  # two more copies of the completed event
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = [d for d in fakestripe.deliveries() if d["succeeded"]]
        if len(done) >= sent:
            break
        time.sleep(0.05)
    completed = [
        d for d in fakestripe.deliveries() if d["event_type"] == "checkout.session.completed"
    ]
    assert [d["status"] for d in completed] == [200] * 3
    assert StripeEvent.objects.filter(type="checkout.session.completed").count() == 1
    assert StripeEvent.objects.count() == len(APP_PAYMENT_EVENTS)
    run_tasks()
    assert JobPosting.objects.get().is_paid
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    # One job per event, one for the confirmation email; each run once.
    assert DBTaskResult.objects.filter(task_path="wizard.jobs.runner.run_job").count() == (
        len(APP_PAYMENT_EVENTS) + 1
    )
    assert StripeEvent.objects.get(type="checkout.session.completed").job.attempts == 1


def wait_for(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


def test_events_delivered_in_reverse_order_still_end_paid(
    live_server, client, posting, fakestripe, run_tasks
):
    """async_payment_succeeded arrives before the completed(unpaid) event it follows."""
    fakestripe.configure(webhook_url=f"{live_server.url}/stripe/webhook/")
    for held in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        fakestripe.inject_webhook_fault("hold", event_type=held)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.complete_session(session_id, payment_status="unpaid")
    fakestripe.async_result(session_id, succeeded=True)
    released = fakestripe.release_webhooks()  # newest first
    assert [stripe_api().v1.events.retrieve(i).type for i in released] == [
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
    ]
    # with the PaymentIntent's and the charge's four events and the invoice's four, sent as
    # they came
    sent = 6 + len(INVOICE_EVENTS)
    assert wait_for(lambda: len([d for d in fakestripe.deliveries() if d["succeeded"]]) == sent)
    run_tasks()
    assert JobPosting.objects.get().is_paid
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1

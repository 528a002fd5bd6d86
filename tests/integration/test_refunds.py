"""Money that cannot be honoured goes back; the posting's state never goes backwards."""

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, return_path, session_id_from
from tests.integration.test_webhooks import deliver
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, Status, TransitionLog
from wizard.payments import refunds
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying(client, fakestripe):
    """A posting with an open Checkout Session."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    posting.refresh_from_db()
    return posting, session_id


def refunds_at_stripe(payment_intent_id):
    return stripe_api().v1.refunds.list(params={"payment_intent": payment_intent_id}).data


def latest_event(event_type):
    return stripe_api().v1.events.list(params={"type": event_type}).data[0].to_dict()


def paid_posting(client, paying, fakestripe):
    posting, session_id = paying
    status, location = fakestripe.pay(session_id)
    client.get(return_path(location))
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    return posting


# --- The refund service -----------------------------------------------------------


def test_refund_is_recorded_made_and_moves_the_posting_to_refunded(client, paying, fakestripe):
    posting = paid_posting(client, paying, fakestripe)
    record = refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system(), note="Duplicate order")
    posting.refresh_from_db()
    assert posting.status == Status.REFUNDED and posting.refunded_at
    assert (record.state, record.amount, record.currency) == ("succeeded", 9900, "usd")
    assert record.stripe_refund_id.startswith("re_")
    [at_stripe] = refunds_at_stripe(posting.current_attempt.payment_intent_id)
    assert at_stripe.id == record.stripe_refund_id and at_stripe.amount == 9900
    assert TransitionLog.objects.filter(target=Status.REFUNDED).count() == 1


def test_refunding_twice_refunds_once(client, paying, fakestripe):
    posting = paid_posting(client, paying, fakestripe)
    refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    posting.refresh_from_db()
    with pytest.raises(refunds.NothingToRefund):
        refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    # Even a second execution of the same record asks Stripe nothing new.
    refunds.run_refund(Refund.objects.get())
    assert len(refunds_at_stripe(posting.current_attempt.payment_intent_id)) == 1
    assert Refund.objects.count() == 1


def test_a_refund_stays_pending_while_stripe_is_down_and_the_runner_retries_it(
    client, paying, fakestripe, settings, run_tasks
):
    posting = paid_posting(client, paying, fakestripe)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.EFFECT_RETRY_BASE_SECONDS = 0  # the retry is due at once
    with pytest.raises(refunds.PaymentError):
        refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    record = Refund.objects.get()
    effect = Job.objects.get(kind="refund")
    assert record.state == "pending"
    assert (effect.state, effect.attempts) == ("queued", 1) and effect.last_error
    assert JobPosting.objects.get().status == Status.IN_REVIEW

    settings.STRIPE_API_BASE = fakestripe.url
    run_tasks()
    record.refresh_from_db()
    assert record.state == "succeeded"
    assert JobPosting.objects.get().status == Status.REFUNDED
    assert len(refunds_at_stripe(posting.current_attempt.payment_intent_id)) == 1


# --- Automatic refunds ------------------------------------------------------------------


def test_an_amount_mismatch_is_refunded_and_never_fulfilled(client, paying, fakestripe):
    posting, session_id = paying
    # The row's price disagrees with what the session charged (a bug, or tampering).
    PaymentAttempt.objects.filter(pk=posting.current_attempt_id).update(amount=100)
    status, location = fakestripe.pay(session_id)
    response = client.get(return_path(location))
    assert response["Location"].endswith("/payment/")
    posting.refresh_from_db()
    assert posting.status == Status.AWAITING_PAYMENT
    assert "refunding" in posting.last_error_message
    record = Refund.objects.get()
    assert (record.reason, record.state, record.amount) == ("mismatch", "succeeded", 9900)
    assert len(refunds_at_stripe(record.payment_intent_id)) == 1
    assert not Job.objects.filter(kind="email").exists()  # no confirmation
    assert not TransitionLog.objects.filter(target=Status.PAID).exists()


def test_a_payment_for_an_abandoned_posting_is_refunded(client, paying, fakestripe):
    posting, session_id = paying
    with transaction.atomic():
        posting.abandon(by=Actor.system(), why="Untouched for 30 days")
        posting.save()
    fakestripe.pay(session_id)  # the employer paid in a tab left open
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ABANDONED
    posting.refresh_from_db()
    assert posting.status == Status.ABANDONED
    record = Refund.objects.get()
    assert (record.reason, record.state) == ("abandoned", "succeeded")
    assert client.get(f"/post/{posting.pk}/details/").status_code == 410


# --- Events: expiry, refunds elsewhere, order ----------------------------------------------


def test_an_expired_session_event_sends_the_employer_back_to_pay(
    client, paying, fakestripe, run_tasks
):
    posting, session_id = paying
    stripe_api().v1.checkout.sessions.expire(session_id)
    assert deliver(client, latest_event("checkout.session.expired")).status_code == 200
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.READY_TO_PAY
    assert "expired" in posting.last_error_message
    page = client.get(f"/post/{posting.pk}/payment/")
    assert b"Your checkout expired" in page.content
    new_session = session_id_from(press_pay(client, posting))
    assert new_session != session_id
    assert JobPosting.objects.get().current_attempt.number == 2


def test_a_refund_made_in_stripes_dashboard_is_recorded(client, paying, fakestripe, run_tasks):
    posting = paid_posting(client, paying, fakestripe)
    stripe_api().v1.refunds.create(
        params={"payment_intent": posting.current_attempt.payment_intent_id}
    )
    assert deliver(client, latest_event("charge.refunded")).status_code == 200
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.REFUNDED
    record = Refund.objects.get()
    assert (record.reason, record.state) == ("external", "succeeded")


def test_late_and_repeated_events_never_move_the_state_backwards(
    client, paying, fakestripe, run_tasks
):
    posting = paid_posting(client, paying, fakestripe)
    completed = latest_event("checkout.session.completed")
    refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    refunded = latest_event("charge.refunded")
    for event in [completed, refunded, completed, refunded]:
        assert deliver(client, event).status_code == 200
    # A forged "expired" event for the paid session is checked with Stripe and ignored.
    expired = {**completed, "id": "evt_late_expired", "type": "checkout.session.expired"}
    assert deliver(client, expired).status_code == 200
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.REFUNDED
    assert list(TransitionLog.objects.values_list("target", flat=True)) == [
        "awaiting_payment",
        "paid",
        "confirmed",
        "in_review",
        "refunded",
    ]


# --- Staff ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_jobposting", "change_jobposting"])
    )
    client.force_login(user)
    return client, user


def test_staff_refund_needs_a_confirmation_with_a_reason(client, paying, fakestripe, admin_client):
    posting = paid_posting(client, paying, fakestripe)
    action = {"action": "refund_payments", "_selected_action": [str(posting.pk)]}
    page = admin_client.post("/admin/wizard/jobposting/?queue=all", action)
    assert page.status_code == 200
    assert b"will be refunded in full" in page.content
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # nothing happens before confirming

    missing_reason = admin_client.post(
        "/admin/wizard/jobposting/?queue=all", {**action, "confirm": "yes", "reason": ""}
    )
    assert b"This field is required" in missing_reason.content
    assert not Refund.objects.exists()

    done = admin_client.post(
        "/admin/wizard/jobposting/?queue=all",
        {**action, "confirm": "yes", "reason": "Asked by phone"},
    )
    assert done.status_code == 302
    record = Refund.objects.get()
    assert (record.reason, record.note, record.requested_by.username) == (
        "staff",
        "Asked by phone",
        "admin",
    )
    assert JobPosting.objects.get().status == Status.REFUNDED
    entry = TransitionLog.objects.get(target=Status.REFUNDED)
    assert (entry.actor, entry.user.username) == ("staff", "admin")


def test_staff_without_the_refund_permission_are_not_offered_the_action(
    paying, staff_client, fakestripe
):
    posting, _ = paying
    client, _ = staff_client
    response = client.post(
        "/admin/wizard/jobposting/?queue=all",
        {"action": "refund_payments", "_selected_action": [str(posting.pk)]},
    )
    # The action is not offered to them; posting it anyway does nothing.
    assert b"refund_payments" not in client.get("/admin/wizard/jobposting/").content
    assert response.status_code in (200, 302)  # the changelist again, with "No action selected"
    assert not Refund.objects.exists()


def test_staff_can_reprocess_a_failed_webhook(
    client, paying, fakestripe, settings, admin_client, run_tasks
):
    posting, session_id = paying
    fakestripe.pay(session_id)
    event = latest_event("checkout.session.completed")
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.EFFECT_MAX_ATTEMPTS = 1
    assert deliver(client, event).status_code == 200  # acknowledged; processed by the worker
    run_tasks()
    settings.STRIPE_API_BASE = fakestripe.url

    from wizard.models import StripeEvent

    stored = StripeEvent.objects.get()
    assert stored.state == "failed" and "PaymentProviderUnavailable" in stored.job.last_error
    response = admin_client.post(
        "/admin/wizard/stripeevent/", {"action": "reprocess", "_selected_action": [stored.pk]}
    )
    assert response.status_code == 302
    run_tasks()  # the event's job, queued again, is run by the worker
    stored = StripeEvent.objects.select_related("job").get()
    assert stored.state == "processed" and not stored.job.last_error
    assert JobPosting.objects.get().status == Status.IN_REVIEW

"""Stripe webhooks: verified, stored before processing, idempotent."""

import json
import time

import pytest
from django_tasks_db.models import DBTaskResult

from tests.conftest import WEBHOOK_SECRET, stripe_api
from tests.factories import own, posting_at
from tests.fakestripe_process import sign_webhook
from tests.integration.test_payment import press_pay, session_id_from
from wizard.models import JobPosting, Status, StripeEvent, TransitionLog

pytestmark = pytest.mark.django_db

URL = "/stripe/webhook/"


def deliver(client, payload, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = signature if signature is not None else sign_webhook(body, secret, timestamp)
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.fixture
def paid_event(client, fakestripe):
    """A posting paid at Stripe whose employer never came back, and Stripe's completed event."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    events = stripe_api().v1.events.list(params={"type": "checkout.session.completed"})
    event = events.data[0].to_dict()
    assert event["data"]["object"]["id"] == session_id
    return posting, event


def test_a_valid_completed_event_marks_the_posting_paid(client, paid_event):
    posting, event = paid_event
    response = deliver(client, event)
    assert response.status_code == 200
    posting.refresh_from_db()
    assert posting.status == Status.PAID
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type, stored.error) == (event["id"], event["type"], "")
    assert stored.processed_at is not None
    assert TransitionLog.objects.get(target=Status.PAID).actor == "system"
    assert DBTaskResult.objects.count() == 1


def test_a_duplicate_delivery_is_a_no_op(client, paid_event):
    posting, event = paid_event
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200
    assert StripeEvent.objects.count() == 1
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert DBTaskResult.objects.count() == 1


def test_the_webhook_and_the_return_url_together_pay_once(client, paid_event):
    posting, event = paid_event
    client.get(f"/post/{posting.pk}/payment/return/?session_id={posting.checkout_session_id}")
    assert deliver(client, event).status_code == 200
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert DBTaskResult.objects.count() == 1


def test_the_payload_is_not_trusted(client, fakestripe):
    """A correctly signed but forged 'completed' event for an unpaid session pays nothing."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    forged = {
        "id": "evt_forged",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "payment_status": "paid",
                "status": "complete",
            }
        },
    }
    assert deliver(client, forged).status_code == 200
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "tamper",
    ["wrong_secret", "altered_body", "old_timestamp", "missing_header", "garbage_header"],
)
def test_a_bad_signature_gets_a_400_and_writes_nothing(client, paid_event, tamper):
    posting, event = paid_event
    body = json.dumps(event).encode()
    kwargs = {}
    if tamper == "wrong_secret":
        kwargs["secret"] = "whsec_someone_else"
    elif tamper == "altered_body":
        kwargs["signature"] = sign_webhook(body, WEBHOOK_SECRET)
        body = body.replace(b'"paid"', b'"PAID"', 1)
    elif tamper == "old_timestamp":
        kwargs["timestamp"] = int(time.time()) - 301
    elif tamper == "missing_header":
        kwargs["signature"] = ""
    else:
        kwargs["signature"] = "t=1,v1=deadbeef"
    response = deliver(client, body, **kwargs)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_unknown_event_types_are_acknowledged_and_ignored(client, fakestripe):
    event = {
        "id": "evt_unknown",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    response = deliver(client, event)
    assert response.status_code == 200
    assert StripeEvent.objects.get().processed_at is not None


def test_a_processing_failure_answers_500_and_a_redelivery_succeeds(
    client, paid_event, settings, fakestripe
):
    posting, event = paid_event
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable while re-fetching
    response = deliver(client, event)
    assert response.status_code == 500
    stored = StripeEvent.objects.get()
    assert stored.processed_at is None
    assert "PaymentProviderUnavailable" in stored.error
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    settings.STRIPE_API_BASE = fakestripe.url
    assert deliver(client, event).status_code == 200
    stored.refresh_from_db()
    assert stored.processed_at is not None and stored.error == ""
    assert JobPosting.objects.get().status == Status.PAID


def test_fakestripe_delivers_signed_webhooks_the_app_accepts(live_server, fakestripe, client):
    """fakestripe signs exactly as Stripe does: its own delivery reaches the app and pays."""
    fakestripe.configure(webhook_url=live_server.url + URL)
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and JobPosting.objects.get().status != Status.PAID:
        time.sleep(0.05)
    assert JobPosting.objects.get().status == Status.PAID
    attempts = [
        d for d in fakestripe.deliveries() if d["event_type"] == "checkout.session.completed"
    ]
    assert attempts and attempts[-1]["status"] == 200

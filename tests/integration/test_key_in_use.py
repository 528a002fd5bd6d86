"""Stripe answers 409 idempotency_key_in_use to a request whose Idempotency-Key another
request is still executing. Two presses of Pay for one attempt send one key: against
fakestripe, which refuses the second press's create while the first's is at work, Pay
never opens a second checkout, keeps the reservation and its key, and the session the
first request created is the one the employer gets."""

import threading
import time

import pytest
from django.urls import reverse

from tests.conftest import step_url
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form, press_pay, session_id_from
from tests.integration.test_payment_faults import CREATE_SESSION, sessions_at_stripe
from wizard.models import JobPosting, PaymentAttempt, Status
from wizard.payments import checkout

pytestmark = pytest.mark.django_db

SLOW = 1.0  # seconds fakestripe takes over the first press's create request


@pytest.fixture
def posting(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def first_press_at_stripe(posting, fakestripe):
    """Press A: its attempt reserved, its create request (the app's own parameters and
    key) at work at fakestripe for SLOW seconds, in a thread. Returns the thread and
    where A's session will be put."""
    reviewed = JobPosting.objects.get(pk=posting.pk).content_digest
    attempt = checkout._reserve_attempt(posting.pk, reviewed)
    success_url = "http://testserver" + reverse("wizard:payment_return", args=[posting.pk])
    cancel_url = "http://testserver" + step_url("payment", posting) + "?cancelled=1"
    fakestripe.inject_fault("timeout", method="POST", path=CREATE_SESSION, delay=SLOW)
    created = []
    thread = threading.Thread(
        target=lambda: created.append(checkout._create_session(attempt, success_url, cancel_url))
    )
    thread.start()
    deadline = time.monotonic() + 5
    while fakestripe.faults() and time.monotonic() < deadline:
        time.sleep(0.01)  # until fakestripe holds A's request (and its key)
    assert fakestripe.faults() == []
    return thread, created


def attempts(posting):
    return list(
        PaymentAttempt.objects.filter(posting=posting).values_list("number", "state", "session_id")
    )


def test_without_retries_the_second_press_is_told_to_try_again_and_keeps_the_key(
    client, posting, fakestripe, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    thread, created = first_press_at_stripe(posting, fakestripe)

    response = client.post(step_url("payment", posting), pay_form(posting))  # press B

    assert response.status_code == 503
    assert b"payment provider is unavailable" in response.content
    assert b"You have not been charged" in response.content
    assert attempts(posting) == [(1, PaymentAttempt.State.RESERVED, "")]
    assert JobPosting.objects.get().status == Status.READY_TO_PAY

    thread.join(timeout=10)
    [session] = created
    # the next press sends the same key: Stripe replays A's session, which opens
    assert session_id_from(press_pay(client, posting)) == session.id
    assert [s.id for s in sessions_at_stripe()] == [session.id]
    assert attempts(posting) == [(1, PaymentAttempt.State.OPEN, session.id)]
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_with_retries_the_second_press_waits_for_the_first_and_gets_its_session(
    client, posting, fakestripe, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 5  # 409s are retried with the same key
    thread, created = first_press_at_stripe(posting, fakestripe)

    checkout_url = press_pay(client, posting)  # press B: 409, 409, …, then the replay

    thread.join(timeout=10)
    [session] = created
    assert session_id_from(checkout_url) == session.id
    assert [s.id for s in sessions_at_stripe()] == [session.id]
    assert attempts(posting) == [(1, PaymentAttempt.State.OPEN, session.id)]

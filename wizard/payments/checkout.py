"""Starting, reusing and releasing Stripe Checkout Sessions for a posting.

Each press of "Pay" belongs to an attempt. The attempt number, the price and
the expiry are reserved on the row first, so that the create request, keyed by
posting and attempt, carries the same parameters however often it is retried.
"""

from datetime import timedelta

import stripe
from django.conf import settings
from django.utils import timezone
from django_fsm import can_proceed

from wizard.payments.client import call
from wizard.payments.exceptions import AlreadyPaid, CheckoutConflict, NotReadyForPayment
from wizard.payments.fulfilment import fulfil, posting_for, retrieve_session
from wizard.postings.models import Actor, JobPosting, Status
from wizard.postings.transitions import locked_posting

# Stripe wants expires_at at least 30 minutes after the session is created; the
# headroom keeps a retried create request valid for a minute after reservation.
EXPIRY_HEADROOM = timedelta(seconds=60)


def idempotency_key(posting_id, attempt):
    return f"jobwizard-checkout-{posting_id}-{attempt}"


def start_checkout(posting_id, *, success_url, cancel_url):
    """Return the hosted checkout URL for the posting's current attempt.

    success_url must accept a `session_id` query parameter.
    """
    posting = JobPosting.objects.get(pk=posting_id)
    if posting.is_paid:
        raise AlreadyPaid()
    if posting.status == Status.AWAITING_PAYMENT and posting.checkout_session_id:
        session = retrieve_session(posting.checkout_session_id)
        if session and session.status == "open":
            return session.url
        if session and session.status == "complete":
            if fulfil(session.id, by=Actor.employer()).settled:
                raise AlreadyPaid()

    posting = _reserve_attempt(posting_id)
    try:
        session = _create_session(posting, success_url, cancel_url)
    except stripe.IdempotencyError:
        # The reservation's parameters changed (another host name in the return
        # URL, say): a new attempt gets a new key.
        posting = _reserve_attempt(posting_id, force_new=True)
        session = _create_session(posting, success_url, cancel_url)
    _record_session(posting_id, posting.payment_attempt, session.id)
    return session.url


def _reserve_attempt(posting_id, *, force_new=False):
    with locked_posting(posting_id) as posting:
        if posting.is_paid:
            raise AlreadyPaid()
        if not can_proceed(posting.open_checkout):  # the model's rule, not a copy of it
            raise NotReadyForPayment()
        now = timezone.now()
        ttl = timedelta(minutes=settings.CHECKOUT_SESSION_TTL_MINUTES)
        reusable = (
            not force_new
            and posting.payment_attempt
            and not posting.checkout_session_id
            and posting.checkout_expires_at
            and posting.checkout_expires_at - now >= ttl
        )
        if not reusable:
            posting.payment_attempt += 1
            posting.checkout_session_id = ""
            posting.payment_intent_id = ""
            posting.checkout_expires_at = now + ttl + EXPIRY_HEADROOM
            posting.price_amount = settings.POSTING_PRICE_AMOUNT
            posting.price_currency = settings.POSTING_PRICE_CURRENCY
            posting.save()
        return posting


def _create_session(posting, success_url, cancel_url):
    metadata = {"posting_id": str(posting.pk), "attempt": str(posting.payment_attempt)}
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": posting.price_currency,
                    "unit_amount": posting.price_amount,
                    "product_data": {"name": "Job posting on Jobwizard"},
                },
            }
        ],
        "client_reference_id": str(posting.pk),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "expires_at": int(posting.checkout_expires_at.timestamp()),
        "success_url": f"{success_url}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": cancel_url,
    }
    key = idempotency_key(posting.pk, posting.payment_attempt)
    return call(
        lambda stripe_api: stripe_api.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": key}
        )
    )


def _record_session(posting_id, attempt, session_id):
    with locked_posting(posting_id) as posting:
        if posting.payment_attempt != attempt:
            raise CheckoutConflict()
        if posting.checkout_session_id == session_id:
            return  # a concurrent press of "Pay" recorded the same session
        if posting.checkout_session_id:
            raise CheckoutConflict()
        posting.open_checkout(
            session_id=session_id,
            by=Actor.employer(),
            why=f"Checkout session opened (attempt {attempt})",
        )
        posting.save()


def release_checkout(posting_id, *, by=None, why="Employer went back to edit"):
    """Make an awaiting-payment posting editable again by expiring its open session.

    Returns True when the posting can be edited, False when it turned out to be
    paid (the session completed before it could be expired).
    """
    posting = JobPosting.objects.get(pk=posting_id)
    if posting.status != Status.AWAITING_PAYMENT:
        return not posting.is_paid
    session_id = posting.checkout_session_id
    session = retrieve_session(session_id) if session_id else None
    if session is not None:
        if session.status == "open":
            try:
                session = call(
                    lambda stripe_api: stripe_api.v1.checkout.sessions.expire(session_id)
                )
            except stripe.InvalidRequestError:
                session = retrieve_session(session_id)  # it completed or expired meanwhile
        completed = session is not None and session.status == "complete"
        if completed and fulfil(session_id, by=by or Actor.employer()).settled:
            return False
    with locked_posting(posting_id) as posting:
        if posting.status != Status.AWAITING_PAYMENT:
            return not posting.is_paid
        if posting.checkout_session_id != session_id:
            raise CheckoutConflict()
        posting.close_checkout(by=by or Actor.employer(), why=why)
        posting.save()
    return True


FAILED_INTENT_STATES = {"requires_payment_method", "canceled"}


def close_ended_checkout(session_id):
    """Send the employer back to the payment step when the current session can no longer pay.

    Called for checkout.session.expired and async_payment_failed events and by the
    reconciler. Stripe is asked, not the event: a session that turns out paid is
    fulfilled instead. Returns True when the posting went back to the payment step.
    """
    session = retrieve_session(session_id)
    posting = posting_for(session) if session else None
    if posting is None:
        return False
    if session.status == "complete" and session.payment_status == "paid":
        fulfil(session_id, by=Actor.system())
        return False
    if session.status == "expired":
        why, message = (
            "Checkout session expired",
            "Your checkout expired. Press Pay to start again.",
        )
    elif session.status == "complete" and _payment_failed(session):
        why, message = "Payment failed", "Your payment did not go through. Please try again."
    else:
        return False
    with locked_posting(posting.pk) as posting:
        if posting.status != Status.AWAITING_PAYMENT or posting.checkout_session_id != session.id:
            return False  # already moved on: events may come late or twice
        posting.close_checkout(by=Actor.system(), why=why)
        posting.record_error(message, f"{why}: {session.id}")
        posting.save()
    return True


def _payment_failed(session):
    if not session.payment_intent:
        return False
    intent = call(lambda stripe_api: stripe_api.v1.payment_intents.retrieve(session.payment_intent))
    return intent.status in FAILED_INTENT_STATES

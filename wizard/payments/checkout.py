"""Starting, reusing and releasing Stripe Checkout Sessions for a posting.

Each press of "Pay" belongs to an attempt, a PaymentAttempt row: its number, price,
expiry and the content the employer reviewed are reserved first, so that the create
request, keyed by posting and attempt, carries the same parameters however often it
is retried; its session and URL are recorded on it, so that presses of "Pay" that
race each other all get the same checkout.
"""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.utils import timezone
from django_fsm import can_proceed

from wizard.payments import discounts, documents, methods, purposes, tax
from wizard.payments.attempts import attempt_terms, current_attempt, latest_attempt, save_current
from wizard.payments.client import call
from wizard.payments.exceptions import (
    AlreadyPaid,
    CheckoutConflict,
    CheckoutMisconfigured,
    ContactEmailRefused,
    ContentChanged,
    NotReadyForPayment,
    PaymentDeclined,
    PaymentError,
    PaymentProcessing,
    PlanNotOffered,
    ProviderFailedRequest,
    ProviderRejectedKey,
)
from wizard.payments.fulfilment import (
    FAILED_INTENT_STATES,
    FulfilOutcome,
    fulfil,
    is_paid,
    posting_for,
    retrieve_session,
)
from wizard.payments.models import PaymentAttempt
from wizard.postings import plans
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)

# Stripe wants expires_at at least 30 minutes after the session is created; the
# headroom keeps a retried create request valid for a minute after reservation.
EXPIRY_HEADROOM = timedelta(seconds=60)
# An open checkout is handed out again only while it has this long left to run.
REUSE_MARGIN = timedelta(minutes=5)


def start_checkout(posting_id, *, success_url, cancel_url, reviewed):
    """Return the hosted checkout URL for the posting's current attempt.

    `reviewed` is the content fingerprint the employer saw (JobPosting.content_digest):
    if the posting changed since, ContentChanged and no checkout. success_url must
    accept a `session_id` query parameter.

    Raises only PaymentError: a refusal by Stripe becomes a PaymentRefused (its reservation
    closed when it refused the create request), an outage PaymentProviderUnavailable.
    """
    try:
        return _start_checkout(
            posting_id, success_url=success_url, cancel_url=cancel_url, reviewed=reviewed
        )
    except (stripe.StripeError, ProviderRejectedKey) as exc:  # asking about an earlier session
        raise _refused(posting_id, None, exc) from exc


def _start_checkout(posting_id, *, success_url, cancel_url, reviewed):
    posting = JobPosting.objects.select_related("current_attempt").get(pk=posting_id)
    if posting.is_paid:
        raise AlreadyPaid()
    if posting.is_payment_processing:
        raise PaymentProcessing()  # its money is on its way: never a second checkout
    if posting.content_digest != reviewed:
        raise ContentChanged()
    not_open = ""  # a recorded session Stripe says can no longer be paid
    attempt = latest_attempt(posting)
    if can_proceed(posting.close_checkout) and attempt and attempt.session_id:
        session = retrieve_session(attempt.session_id)
        if session and session.status == "open":
            return session.url
        if session and session.status == "complete":
            outcome = fulfil(session.id, by=Actor.employer())
            if outcome.settled:
                raise AlreadyPaid()
            if outcome is FulfilOutcome.PROCESSING:  # a delayed method, its webhook not in yet
                raise PaymentProcessing()
        not_open = attempt.session_id

    attempt = _reserve_attempt(posting_id, reviewed, not_open=not_open)
    if attempt.session_url:
        return attempt.session_url  # another press opened it meanwhile
    try:
        try:
            session = _create_session(attempt, success_url, cancel_url)
        except stripe.IdempotencyError:
            # The reservation's parameters changed (another host name in the return
            # URL, say): a new attempt gets a new key.
            attempt = _reserve_attempt(posting_id, reviewed, force_new=True)
            session = _create_session(attempt, success_url, cancel_url)
    except ProviderFailedRequest:
        _close_reservation(posting_id, attempt.number, "Stripe failed the create request")
        raise
    except (stripe.StripeError, ProviderRejectedKey) as exc:
        # (a 409, still there after the retries, comes as PaymentProviderUnavailable: the
        # reservation and its key are kept for the next press)
        refused = _refused(posting_id, attempt.number, exc)
        # Stripe replays a refusal for its key, and the next attempt reads the settings
        # again (a corrected price): the next press of Pay starts a new attempt.
        _close_reservation(
            posting_id, attempt.number, f"Stripe refused the create request ({refused.code})"
        )
        raise refused from exc
    return _record_session(posting_id, attempt.number, session)


def _refused(posting_id, number, exc):
    """The PaymentRefused for a Stripe error `call` let through (a 4xx, an unplaceable
    error) or a refused key, logged with Stripe's request id and error code: at ERROR
    when it is the operator's to fix."""
    stripe_error = exc.__cause__ if isinstance(exc, ProviderRejectedKey) else exc
    request_id = getattr(stripe_error, "request_id", None)
    code = getattr(stripe_error, "code", None) or type(stripe_error).__name__
    status = getattr(stripe_error, "http_status", None)
    param = getattr(stripe_error, "param", None)
    if isinstance(stripe_error, stripe.CardError):
        kind = PaymentDeclined
    elif isinstance(stripe_error, stripe.InvalidRequestError) and (
        param == "customer_email" or code == "email_invalid"
    ):
        kind = ContactEmailRefused
    else:  # a price, currency or key Stripe refuses, or an error we cannot place
        kind = CheckoutMisconfigured
    message = " ".join(str(getattr(stripe_error, "user_message", None) or exc).split())
    detail = (
        f"Stripe refused to open a checkout for posting {posting_id}"
        + (f" (attempt {number})" if number is not None else "")
        + f": {type(stripe_error).__name__} {status}, code {code}"
        + (f", param {param}" if param else "")
        + f", request {request_id}: {message}"
    )
    level = logging.ERROR if kind is CheckoutMisconfigured else logging.WARNING
    logger.log(level, detail)
    return kind(detail, request_id=request_id, code=code)


def _reserve_attempt(posting_id, reviewed, *, not_open="", force_new=False):
    """The attempt this press belongs to, under the row lock: the current one while it
    can still be used (its open checkout, or its reservation), else a new one."""
    with locked_posting(posting_id) as posting:
        if posting.is_paid:
            raise AlreadyPaid()
        if posting.is_payment_processing:
            raise PaymentProcessing()  # went processing since the press began
        if posting.content_digest != reviewed:
            raise ContentChanged()  # edited in another tab since the employer looked
        if not can_proceed(posting.open_checkout):  # the model's rule: it asks the flow
            raise NotReadyForPayment()
        bought = plans.listing_for(posting)
        if bought is None:  # its plan was retired, or no longer sold in its currency
            raise PlanNotOffered()
        now = timezone.now()
        ttl = timedelta(minutes=settings.CHECKOUT_SESSION_TTL_MINUTES)
        current = current_attempt(posting)
        if current is not None and not force_new:
            if (
                current.state == PaymentAttempt.State.OPEN
                and can_proceed(posting.close_checkout)  # its checkout is the one open
                and current.session_id != not_open
                and current.expires_at - now >= REUSE_MARGIN
            ):
                return current  # opened by a press that raced this one
            if (
                current.state == PaymentAttempt.State.RESERVED
                and current.reviewed == reviewed
                and current.expires_at - now >= ttl
            ):
                return current  # reserved for this content, its create request may be retried
        if current is not None and current.state in (
            PaymentAttempt.State.RESERVED,
            PaymentAttempt.State.OPEN,
        ):
            current.state = PaymentAttempt.State.CLOSED
            current.closed_at = now
            current.note = "Superseded by a new attempt"
            current.save()
        attempt = PaymentAttempt.objects.create(
            posting=posting,
            number=current.number + 1 if current else 1,
            **attempt_terms(bought),
            reviewed=reviewed,
            expires_at=now + ttl + EXPIRY_HEADROOM,
        )
        save_current(posting, attempt)
        return attempt


def _close_reservation(posting_id, number, why):
    """Stripe replays a failed request's answer for its key: the next press of Pay must
    start a new attempt, with a new key."""
    with locked_posting(posting_id) as posting:
        posting.payment_attempts.filter(number=number, session_id="").update(
            state=PaymentAttempt.State.CLOSED, closed_at=timezone.now(), note=why
        )


def line_item_name(posting, attempt=None):
    """What the employer's card statement and receipt name: the job itself, and the plan
    bought when the board has plans."""
    name = f"Job posting: {posting.title} at {posting.company_name}"
    if attempt is not None and attempt.plan_id is not None:
        name = f"{attempt.plan.name}: {posting.title} at {posting.company_name}"
    return name if len(name) <= 250 else name[:249] + "…"


def _create_session(attempt, success_url, cancel_url, *, name=None, metadata=None):
    """Ask Stripe for the attempt's Checkout Session, keyed by the attempt. A later payment
    (wizard.payments.later_payments) gives its line item's `name` and its own `metadata`."""
    posting = attempt.posting
    metadata = {"posting_id": str(posting.pk), "attempt": str(attempt.number), **(metadata or {})}
    name = name or line_item_name(posting, attempt)
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": attempt.currency,
                    "unit_amount": attempt.amount,
                    "product_data": {"name": name if len(name) <= 250 else name[:249] + "…"},
                    **tax.price_data(),  # STRIPE_TAX: tax-exclusive
                },
            }
        ],
        "client_reference_id": str(posting.pk),
        "customer_email": posting.contact_email,
        **discounts.checkout_params(posting, attempt),  # promotion codes
        **tax.checkout_params(posting, attempt),  # Stripe Tax; a customer with a tax ID
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "expires_at": int(attempt.expires_at.timestamp()),
        "success_url": f"{success_url}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": cancel_url,
        **methods.checkout_params(),  # PAYMENT_METHOD_TYPES, or the Dashboard's choice
        **documents.checkout_params(posting, attempt),  # STRIPE_INVOICES: a numbered invoice
    }
    if params.get("customer"):  # Stripe takes a customer or an address, never both
        params.pop("customer_email")
    return call(
        lambda stripe_api: stripe_api.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": attempt.idempotency_key}
        )
    )


def _record_session(posting_id, number, session):
    """Record the attempt's session and open the checkout; returns the URL to send the
    employer to (the one already recorded, when a racing press got there first).

    The checkout opens only for the content the attempt reserved: when the posting was
    edited while Stripe created the session (another tab), or the attempt was closed or
    superseded meanwhile, the session is expired at Stripe, never handed out, and
    ContentChanged (or CheckoutConflict) is raised."""
    with locked_posting(posting_id) as posting:
        attempt = posting.payment_attempts.get(number=number)
        if attempt.session_id:
            if attempt.session_id != session.id:
                raise CheckoutConflict()  # Stripe gave one key two sessions: never expected
            return attempt.session_url  # a concurrent press of "Pay" recorded it
        current = current_attempt(posting) == attempt
        content_changed = reviewed_content_changed(posting, attempt)
        if current and attempt.state == PaymentAttempt.State.RESERVED and not content_changed:
            attempt.session_id, attempt.session_url = session.id, session.url
            attempt.state = PaymentAttempt.State.OPEN
            attempt.opened_at = timezone.now()
            attempt.save()
            posting.open_checkout(
                by=Actor.employer(), why=f"Checkout session opened (attempt {number})"
            )
            save_current(posting, attempt)
            return session.url
        if attempt.state == PaymentAttempt.State.RESERVED:
            attempt.state = PaymentAttempt.State.CLOSED
            attempt.closed_at = timezone.now()
            attempt.note = (
                EDITED_BEFORE_OPENING
                if content_changed
                else "Superseded before its checkout opened"
            )
            attempt.save()
        changed = content_changed or attempt.note == EDITED_BEFORE_OPENING
    _expire_unrecorded(session.id)  # after the commit, outside the lock
    if changed:
        raise ContentChanged()  # edited in another tab while Stripe created the session
    raise CheckoutConflict()  # a newer attempt superseded it meanwhile


def reviewed_content_changed(posting, attempt):
    """The (locked) posting's content is no longer what the attempt was reserved for.
    Attempts carried over from before fingerprints were kept (reviewed "") are not
    checked."""
    return bool(attempt.reviewed) and attempt.reviewed != posting.content_digest


EDITED_BEFORE_OPENING = "The posting changed before its checkout opened"


def close_reservation_for_other_content(posting):
    """An edit saved while Pay's create request is under way (call with the posting
    locked, the edit applied): the reserved attempt no longer pays for what the posting
    shows, so it is closed with the edit; the press recording its session then expires
    the session instead of opening the checkout. The edit itself always saves."""
    if posting.current_attempt_id is None:
        return  # no press of Pay yet: no query
    attempt = posting.current_attempt
    if attempt.state == PaymentAttempt.State.RESERVED and reviewed_content_changed(
        posting, attempt
    ):
        attempt.state = PaymentAttempt.State.CLOSED
        attempt.closed_at = timezone.now()
        attempt.note = EDITED_BEFORE_OPENING
        attempt.save()


def _expire_unrecorded(session_id):
    """Expire a session that was never recorded nor handed out. If Stripe cannot be asked,
    it expires by itself; nobody has its URL, and a payment for it would be refunded as
    superseded (it is no attempt's session)."""
    try:
        call(lambda stripe_api: stripe_api.v1.checkout.sessions.expire(session_id))
    except (stripe.InvalidRequestError, PaymentError) as error:
        logger.warning("Could not expire unrecorded checkout session %s: %s", session_id, error)


def release_checkout(posting_id, *, by=None, why="Employer went back to edit"):
    """Make an awaiting-payment posting editable again by expiring its open session.

    Returns True when the posting can be edited, False when it turned out to be
    paid or its payment processing (the session completed before it could be expired).
    """
    posting = JobPosting.objects.get(pk=posting_id)
    if not can_proceed(posting.close_checkout):  # no checkout open
        return posting.is_editable
    attempt = latest_attempt(posting)
    session_id = attempt.session_id if attempt else ""
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
        if completed:
            outcome = fulfil(session_id, by=by or Actor.employer())
            if outcome.settled or outcome is FulfilOutcome.PROCESSING:
                return False  # paid, or its money on its way: no longer editable
    with locked_posting(posting_id) as posting:
        if not can_proceed(posting.close_checkout):
            return posting.is_editable
        attempt = current_attempt(posting)
        if (attempt.session_id if attempt else "") != session_id:
            raise CheckoutConflict()
        posting.close_checkout(by=by or Actor.employer(), why=why)
        posting.save()
        close_attempt(posting, session_id, why)
    return True


def close_attempt(posting, session_id, why):
    """The attempt whose session closed without paying, or whose delayed payment failed
    (call with the posting locked)."""
    posting.payment_attempts.filter(
        session_id=session_id,
        state__in=[PaymentAttempt.State.OPEN, PaymentAttempt.State.PROCESSING],
    ).update(state=PaymentAttempt.State.CLOSED, closed_at=timezone.now(), note=why[:255])


PAYMENT_FAILED_MESSAGE = (
    "Your payment did not go through: your bank or payment method provider declined it, "
    "so you have not been charged. Please press Pay to try again, with another payment "
    "method perhaps."
)


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
    if is_paid(session):
        fulfil(session_id, by=Actor.system())
        return False
    if session.status == "expired":
        why, message = (
            "Checkout session expired",
            "Your checkout expired. Press Pay to start again.",
        )
    elif session.status == "complete" and payment_failed_at_stripe(session):
        why, message = "Payment failed", PAYMENT_FAILED_MESSAGE
    else:
        return False
    if purposes.purpose_of(session) != PaymentAttempt.Purpose.FIRST:
        with locked_posting(posting.pk) as posting:
            return purposes.close_unpaid(posting, session.id, why)  # the posting stays as it is
    with locked_posting(posting.pk) as posting:
        attempt = current_attempt(posting)
        # An expired checkout closes; a failed payment (a delayed method's, processing or
        # not yet known to be) fails, which also emails the employer.
        end = posting.close_checkout if session.status == "expired" else posting.fail_payment
        if not can_proceed(end) or attempt is None or attempt.session_id != session.id:
            return False  # already moved on: events may come late or twice
        end(by=Actor.system(), why=why)
        posting.record_error(message, f"{why}: {session.id}")
        posting.save()
        close_attempt(posting, session.id, why)
    return True


def payment_failed_at_stripe(session):
    """The session's PaymentIntent failed (a delayed method's debit was declined)."""
    if not session.payment_intent:
        return False
    intent = call(lambda stripe_api: stripe_api.v1.payment_intents.retrieve(session.payment_intent))
    return intent.status in FAILED_INTENT_STATES

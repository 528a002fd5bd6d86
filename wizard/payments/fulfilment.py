"""The one path by which a posting becomes paid.

The return URL, the webhook and (later) the reconciler all call `fulfil`. It
re-fetches the Checkout Session from Stripe, because a redirect's query string
or a webhook's payload is not proof of payment, then locks the row and applies
the payment at most once.
"""

import enum
import logging

import stripe

from ..models import JobPosting, Status
from ..tasks import send_confirmation_email
from ..transitions import locked_posting
from .client import provider_errors, stripe_client

logger = logging.getLogger(__name__)


class FulfilOutcome(enum.Enum):
    PAID = "paid"  # this call moved the posting to paid
    ALREADY_PAID = "already_paid"  # an earlier call did
    NOT_PAID = "not_paid"  # the session exists but has not been paid (yet)
    UNKNOWN_SESSION = "unknown_session"  # Stripe does not know the id
    FOREIGN_SESSION = "foreign_session"  # the session belongs to another posting
    SUPERSEDED = "superseded"  # not the posting's current session
    MISMATCH = "mismatch"  # amount, currency or metadata disagree with the posting

    @property
    def settled(self):
        """The posting is paid, by this call or an earlier one."""
        return self in (FulfilOutcome.PAID, FulfilOutcome.ALREADY_PAID)


def fulfil(session_id, *, by, expected_posting_id=None):
    """Apply a paid Checkout Session to its posting, idempotently.

    Raises PaymentProviderUnavailable when Stripe cannot be asked; callers decide
    whether that means "try later" (return URL) or a 5xx (webhook).
    """
    try:
        with provider_errors():
            session = stripe_client().v1.checkout.sessions.retrieve(session_id)
    except stripe.InvalidRequestError:
        return FulfilOutcome.UNKNOWN_SESSION

    posting_id = session.client_reference_id
    if expected_posting_id is not None and posting_id != str(expected_posting_id):
        return FulfilOutcome.FOREIGN_SESSION
    try:
        with locked_posting(posting_id) as posting:
            return _apply(posting, session, by)
    except (JobPosting.DoesNotExist, ValueError):
        logger.error("Checkout session %s names no posting here (%r)", session.id, posting_id)
        return FulfilOutcome.FOREIGN_SESSION


def _apply(posting, session, by):
    if posting.checkout_session_id != session.id:
        return FulfilOutcome.SUPERSEDED
    if posting.is_paid:
        return FulfilOutcome.ALREADY_PAID
    if session.status != "complete" or session.payment_status != "paid":
        return FulfilOutcome.NOT_PAID
    if posting.status != Status.AWAITING_PAYMENT:
        return FulfilOutcome.SUPERSEDED

    mismatches = _mismatches(posting, session)
    if mismatches:
        detail = f"Checkout session {session.id} disagrees with the posting: {'; '.join(mismatches)}"
        logger.error(detail)
        posting.record_error(
            "We received a payment we could not match to this posting. Our staff will sort it out.",
            detail,
        )
        posting.save()
        return FulfilOutcome.MISMATCH

    posting.mark_paid(
        payment_intent_id=session.payment_intent or "",
        by=by,
        why=f"Checkout session {session.id} paid",
    )
    posting.save()
    # Enqueued in this transaction: the task exists if and only if the payment is recorded.
    send_confirmation_email.enqueue(str(posting.pk))
    return FulfilOutcome.PAID


def _mismatches(posting, session):
    metadata = session.metadata.to_dict() if session.metadata else {}
    checks = [
        ("amount", session.amount_total, posting.price_amount),
        ("currency", (session.currency or "").lower(), posting.price_currency),
        ("metadata posting_id", metadata.get("posting_id"), str(posting.pk)),
        ("metadata attempt", metadata.get("attempt"), str(posting.payment_attempt)),
    ]
    return [f"{name} {got!r} != {want!r}" for name, got, want in checks if got != want]

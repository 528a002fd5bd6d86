"""The one path by which a posting becomes paid, and by which stray payments are returned.

The return URL, the webhook and the reconciler all call `fulfil`. It re-fetches
the Checkout Session from Stripe, because a redirect's query string or a
webhook's payload is not proof of payment, then locks the row, decides, and
applies the payment at most once. Money that arrives but cannot be honoured (a
superseded attempt, a mismatched amount, an abandoned posting) is recorded as a
refund in the same transaction and refunded after the commit.
"""

import enum
import logging
import uuid

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_fsm import can_proceed

from wizard.payments import discounts, documents, purposes, refunds, tax
from wizard.payments.amounts import record_amounts
from wizard.payments.attempts import current_attempt, save_current
from wizard.payments.client import call
from wizard.payments.models import PaymentAttempt, Refund
from wizard.postings.models import JobPosting
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


class FulfilOutcome(enum.Enum):
    PAID = "paid"  # this call moved the posting to paid
    ALREADY_PAID = "already_paid"  # an earlier call did
    NOT_PAID = "not_paid"  # the session exists but has not been paid (yet)
    PROCESSING = "processing"  # completed with a delayed method: the money is on its way
    UNKNOWN_SESSION = "unknown_session"  # Stripe does not know the id
    FOREIGN_SESSION = "foreign_session"  # the session belongs to another posting, or none here
    SUPERSEDED = "superseded"  # paid, but not the posting's current session: refunded
    MISMATCH = "mismatch"  # paid, but amount, currency or metadata disagree: refunded
    CONTENT_CHANGED = "content_changed"  # paid, but not for the posting's content now: refunded
    ABANDONED = "abandoned"  # paid for a posting that was abandoned: refunded
    # paid for more of a posting that can no longer have it (a renewal of a withdrawn,
    # refunded, rejected or disputed posting): refunded
    NOT_APPLICABLE = "not_applicable"

    @property
    def settled(self):
        """The posting is paid, by this call or an earlier one."""
        return self in (FulfilOutcome.PAID, FulfilOutcome.ALREADY_PAID)

    @property
    def refund_reason(self):
        return {
            FulfilOutcome.SUPERSEDED: Refund.Reason.SUPERSEDED,
            FulfilOutcome.MISMATCH: Refund.Reason.MISMATCH,
            FulfilOutcome.CONTENT_CHANGED: Refund.Reason.MISMATCH,
            FulfilOutcome.ABANDONED: Refund.Reason.ABANDONED,
            FulfilOutcome.NOT_APPLICABLE: Refund.Reason.SUPERSEDED,
        }.get(self)


# A completed session is paid with money ("paid"), or with none due: a promotion code that
# made its total zero ("no_payment_required"). Either publishes through the same path.
PAID_STATUSES = frozenset({"paid", "no_payment_required"})


def is_paid(session):
    """The session completed and nothing more is to come: its money arrived, or none was
    due."""
    return session.status == "complete" and session.payment_status in PAID_STATUSES


def retrieve_session(session_id, expand=()):
    """The session as Stripe has it now, or None when Stripe does not know it."""
    params = {"expand": list(expand)} if expand else None
    try:
        return call(
            lambda stripe_api: stripe_api.v1.checkout.sessions.retrieve(session_id, params=params)
        )
    except stripe.InvalidRequestError:
        return None


def fulfil(session_id, *, by, expected_posting_id=None):
    """Apply a Checkout Session to its posting, idempotently.

    Raises PaymentProviderUnavailable when Stripe cannot be asked; callers decide
    whether that means "try later" (return URL) or a 5xx (webhook).
    """
    # Stripe's invoice and receipt come in the same request, while its attempt lacks them;
    # fulfilment never waits for what Stripe has not made yet (wizard.payments.documents).
    # The promotion code typed (wizard.payments.discounts) and the tax breakdown (why no
    # tax was charged: wizard.payments.tax) come in the same request.
    wanted = documents.wanted_for(session_id)
    expand = (
        (documents.EXPAND if wanted else ())
        + discounts.EXPAND
        + (tax.EXPAND if settings.STRIPE_TAX else ())
    )
    session = retrieve_session(session_id, expand=expand)
    if session is None:  # a refused expansion must never stop a payment
        wanted, session = False, retrieve_session(session_id)
    if session is None:
        return FulfilOutcome.UNKNOWN_SESSION
    found = documents.detach(session) if wanted else None
    if expected_posting_id is not None and session.client_reference_id != str(expected_posting_id):
        return FulfilOutcome.FOREIGN_SESSION
    method, failed = delayed_payment_facts(session) if is_processing(session) else ("", False)
    first = purposes.purpose_of(session) == PaymentAttempt.Purpose.FIRST
    record = None
    try:
        # The posting is found by locking it (one query, not a read and then a lock).
        with locked_posting(_posting_id(session)) as posting:
            if first:
                current_attempt(posting)  # adopted first: decide reads it
            outcome = decide(posting, session)
            if outcome is FulfilOutcome.PROCESSING and failed:
                outcome = FulfilOutcome.NOT_PAID  # failed already: its failure event settles it
            elif outcome.refund_reason:
                record = _record_stray_payment(posting, session, outcome, by)
            else:
                apply = _apply_first_payment if first else _apply_later_payment
                apply(posting, session, outcome, by=by, found=found, method=method)
    except JobPosting.DoesNotExist:
        logger.error("Checkout session %s names no posting here", session.id)
        return FulfilOutcome.FOREIGN_SESSION
    if record is not None:
        refunds.run_refund(record)  # after the commit, outside the lock
    return outcome


def _apply_first_payment(posting, session, outcome, *, by, found, method):
    """The posting's own payment: the posting becomes processing or paid (locked)."""
    attempt = posting.current_attempt
    if outcome is FulfilOutcome.PROCESSING and can_proceed(posting.start_processing):
        posting.start_processing(
            by=by, why=f"Checkout session {session.id} completed; payment processing"
        )
        _record_processing(posting, attempt, method)
    elif outcome is FulfilOutcome.PAID:
        posting.mark_paid(by=by, why=f"Checkout session {session.id} paid")
        _record_payment(posting, attempt, session, found)
    elif outcome is FulfilOutcome.ALREADY_PAID and not (
        attempt.payment_intent_id or attempt.is_free  # a free payment has no intent
    ):
        _record_payment(posting, attempt, session, found)  # paid by the previous release
    elif outcome is FulfilOutcome.ALREADY_PAID:
        documents.save(attempt, found)  # the documents Stripe made since, if any


def _apply_later_payment(posting, session, outcome, *, by, found, method):
    """A payment after the first (a renewal…): applied as its purpose says, once; the
    posting's status and current attempt are its purpose's business (locked)."""
    attempt = purposes.attempt_for(posting, session.id)
    if outcome is FulfilOutcome.PROCESSING:
        purposes.record_processing(attempt, method)
    elif outcome is FulfilOutcome.PAID:
        purposes.record_paid(posting, attempt, session, by=by)
        documents.save(attempt, found)
    elif outcome is FulfilOutcome.ALREADY_PAID:
        documents.save(attempt, found)


def decide_later_payment(posting, session):
    """What a session of a later payment (a renewal…) means for its posting. Pure."""
    attempt = purposes.attempt_for(posting, session.id)
    if not is_paid(session):
        if (
            is_processing(session)
            and attempt is not None
            and attempt.state != PaymentAttempt.State.CLOSED
            and not attempt.applied_at
            and not mismatches(attempt, session)
        ):
            return FulfilOutcome.PROCESSING  # a delayed method: applied when its money arrives
        return FulfilOutcome.NOT_PAID
    if attempt is not None and attempt.applied_at:
        return FulfilOutcome.ALREADY_PAID
    if posting.is_abandoned:
        return FulfilOutcome.ABANDONED
    if attempt is None or attempt.state == PaymentAttempt.State.CLOSED:
        return FulfilOutcome.SUPERSEDED
    if mismatches(attempt, session):
        return FulfilOutcome.MISMATCH
    if not purposes.of(attempt).can_buy(posting):
        return FulfilOutcome.NOT_APPLICABLE
    return FulfilOutcome.PAID


def _posting_id(session):
    """The posting the session names, as an id (None when it names none: nothing matches)."""
    try:
        return uuid.UUID(str(session.client_reference_id))
    except ValueError:
        return None


def posting_for(session):
    try:
        return JobPosting.objects.get(pk=session.client_reference_id)
    except (JobPosting.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def is_processing(session):
    """Completed with a delayed method (SEPA Debit, ACH, Bacs, boleto…) whose money has not
    arrived yet: Stripe sends async_payment_succeeded or async_payment_failed later."""
    return session.status == "complete" and session.payment_status == "unpaid"


# A PaymentIntent in these has no payment on its way: it failed (or was canceled).
FAILED_INTENT_STATES = {"requires_payment_method", "canceled"}


def delayed_payment_facts(session):
    """(method, failed) of a session completed unpaid: the delayed method it is paid with
    ("sepa_debit"…, as its PaymentIntent's latest charge says, or "" when Stripe does not
    say), and whether that payment has failed already (its failure event may come late)."""
    if not session.payment_intent:
        return "", False
    intent = call(
        lambda stripe_api: stripe_api.v1.payment_intents.retrieve(
            session.payment_intent, params={"expand": ["latest_charge"]}
        )
    )
    failed = intent.status in FAILED_INTENT_STATES
    charge = intent.latest_charge
    details = getattr(charge, "payment_method_details", None) if charge else None
    if details is not None and details.type:
        return details.type, failed
    types = [kind for kind in intent.payment_method_types or [] if kind != "card"]
    return (types[0] if len(types) == 1 else ""), failed


def decide(posting, session):
    """What a session means for its (locked) posting. Pure: changes nothing."""
    if purposes.purpose_of(session) != PaymentAttempt.Purpose.FIRST:
        return decide_later_payment(posting, session)
    paid = is_paid(session)
    attempt = posting.current_attempt
    current = attempt is not None and attempt.session_id == session.id
    if current and posting.is_paid:
        return FulfilOutcome.ALREADY_PAID
    if not paid:
        if (
            current
            and is_processing(session)
            and (posting.is_payment_processing or can_proceed(posting.start_processing))
            and not mismatches(attempt, session)
            and not content_mismatch(posting, attempt)
        ):
            # Its money is on its way: no new checkout, no edit, until Stripe says how it
            # ended. A session that would be refused once paid is left awaiting, and is
            # refunded if its money arrives.
            return FulfilOutcome.PROCESSING
        return FulfilOutcome.NOT_PAID
    if posting.is_abandoned:
        return FulfilOutcome.ABANDONED
    if not current or not can_proceed(posting.mark_paid):
        return FulfilOutcome.SUPERSEDED
    if mismatches(attempt, session):
        return FulfilOutcome.MISMATCH
    if content_mismatch(posting, attempt):
        return FulfilOutcome.CONTENT_CHANGED  # the attempt reviewed other content
    return FulfilOutcome.PAID


def content_mismatch(posting, attempt):
    """How the posting's content now differs from what the attempt reserved (its
    fingerprint), or "" when it is the same. Attempts carried over from before
    fingerprints were kept (reviewed "") are not checked."""
    if attempt.reviewed and attempt.reviewed != posting.content_digest:
        return f"reviewed content {attempt.reviewed!r} != {posting.content_digest!r}"
    return ""


def mismatches(attempt, session):
    """How a paid session disagrees with the attempt it claims to pay for."""
    metadata = session.metadata.to_dict() if session.metadata else {}
    if attempt.price is None:  # reserved before plans: no discount nor tax to allow for
        prices = [("amount", session.amount_total, attempt.amount)]
    else:  # what Stripe took off (a promotion code) and added (tax) is recorded when paid
        details = session.total_details
        discount = (details.amount_discount if details else 0) or 0
        tax = (details.amount_tax if details else 0) or 0
        prices = [
            ("amount_subtotal", session.amount_subtotal, attempt.price),
            ("amount_total", session.amount_total, attempt.price - discount + tax),
        ]
    checks = [
        *prices,
        ("currency", (session.currency or "").lower(), attempt.currency),
        ("metadata posting_id", metadata.get("posting_id"), str(attempt.posting_id)),
        ("metadata attempt", metadata.get("attempt"), str(attempt.number)),
    ]
    return [f"{name} {got!r} != {want!r}" for name, got, want in checks if got != want]


def _record_payment(posting, attempt, session, found):
    """The attempt is paid: its PaymentIntent, when, and the documents Stripe has made for
    it so far (the posting saved with it)."""
    attempt.state = PaymentAttempt.State.PAID
    attempt.payment_intent_id = session.payment_intent or ""
    record_amounts(attempt, session)
    attempt.paid_at = posting.paid_at or timezone.now()
    attempt.closed_at = attempt.closed_at or attempt.paid_at
    documents.apply(attempt, found)
    attempt.save()
    save_current(posting, attempt)


def _record_processing(posting, attempt, method):
    """The attempt's session completed unpaid: its money is on its way (posting saved)."""
    attempt.state = PaymentAttempt.State.PROCESSING
    attempt.payment_method_type = method[:40]
    attempt.save()
    save_current(posting, attempt)


def _record_stray_payment(posting, session, outcome, by):
    detail = f"Checkout session {session.id} was paid but cannot be honoured ({outcome.value})"
    message = "We received a payment we could not use for this posting, so we are refunding it."
    if outcome is FulfilOutcome.MISMATCH:
        later = purposes.purpose_of(session) != PaymentAttempt.Purpose.FIRST
        paid_for = purposes.attempt_for(posting, session.id) if later else None
        detail += ": " + "; ".join(mismatches(paid_for or posting.current_attempt, session))
    if outcome is FulfilOutcome.CONTENT_CHANGED:
        detail += ": " + content_mismatch(posting, posting.current_attempt)
        message = (
            "Your posting was changed while you were paying, so this payment was for an "
            "older version of it. We are refunding it in full. Please check your posting "
            "and press Pay again."
        )
    logger.warning(detail)
    if not posting.is_paid:
        posting.record_error(message, detail)
        posting.save()
    return refunds.record_refund(
        posting,
        payment_intent_id=session.payment_intent,
        session_id=session.id,
        amount=session.amount_total,
        currency=(session.currency or "").lower(),
        reason=outcome.refund_reason,
        note=detail,
        by=by,
    )

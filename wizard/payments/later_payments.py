"""A later payment on a posting (a renewal, an upgrade…): its checkout, and the staff
refund that takes it back.

A later payment is a PaymentAttempt with a purpose other than the first on the same
posting (what it buys and how it is applied: wizard.payments.purposes), never the
posting's current attempt. Its create request is keyed by posting and attempt number, as a
first payment's is; a press that finds a checkout of that purpose still open is sent to
it, not to a second one. Each purpose has its own open attempt: a renewal open does not
stop an upgrade, nor the reverse.
"""

from datetime import timedelta

import stripe
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from wizard.payments import purposes, refunds
from wizard.payments.attempts import attempt_terms
from wizard.payments.checkout import EXPIRY_HEADROOM, REUSE_MARGIN, _create_session, _refused
from wizard.payments.exceptions import PaymentError, ProviderRejectedKey
from wizard.payments.fulfilment import FulfilOutcome, fulfil, retrieve_session
from wizard.payments.models import PaymentAttempt, Refund
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting


class NotOffered(PaymentError):
    """The purpose cannot be bought for the posting (now)."""

    status = 409

    def __init__(self, purpose):
        super().__init__(purpose.purpose)
        self.message = purpose.not_offered


class PaymentOnItsWay(PaymentError):
    """It was paid with a delayed method (a bank debit) whose money is on its way."""

    status = 409

    def __init__(self, purpose):
        super().__init__(purpose.purpose)
        self.message = purpose.processing


class PaidAlready(PaymentError):
    """The open checkout was paid meanwhile (its return page not seen yet)."""

    status = 409

    def __init__(self, purpose):
        super().__init__(purpose.purpose)
        self.message = purpose.paid_already


def open_attempt(posting, purpose):
    """The posting's attempt of `purpose` whose checkout is open or reserved, or whose
    delayed payment is processing, or None."""
    live = [
        PaymentAttempt.State.RESERVED,
        PaymentAttempt.State.OPEN,
        PaymentAttempt.State.PROCESSING,
    ]
    found = posting.payment_attempts.filter(purpose=purpose, state__in=live)
    return found.order_by("-number").first()


def start(posting_id, purpose, *, success_url, cancel_url):
    """The hosted checkout URL of a payment of `purpose` (PaymentAttempt.Purpose) for the
    posting; raises NotOffered, PaymentOnItsWay, PaidAlready, or a PaymentError when
    Stripe cannot be asked or refuses. Presses that race each other get the same
    checkout, as a first payment's do."""
    bought = purposes.PURPOSES[purpose]
    posting = JobPosting.objects.get(pk=posting_id)
    if not bought.can_buy(posting):
        raise NotOffered(bought)
    not_open = ""  # a recorded session Stripe says can no longer be paid
    reusable = open_attempt(posting, purpose)
    if reusable is not None and reusable.state == PaymentAttempt.State.PROCESSING:
        raise PaymentOnItsWay(bought)
    if reusable is not None and reusable.session_id:
        session = retrieve_session(reusable.session_id)
        if session is not None and session.status == "open":
            if reusable.expires_at - timezone.now() >= REUSE_MARGIN:
                return session.url
        elif session is not None and session.status == "complete":
            outcome = fulfil(session.id, by=Actor.employer())
            if outcome.settled:
                raise PaidAlready(bought)
            if outcome is FulfilOutcome.PROCESSING:
                raise PaymentOnItsWay(bought)
        not_open = reusable.session_id
    attempt = _reserve(posting_id, bought, not_open)
    if attempt.session_url:
        return attempt.session_url  # opened by a press that raced this one
    try:
        session = _create_session(
            attempt,
            success_url,
            cancel_url,
            name=purposes.of(attempt).line_item(attempt.posting, attempt),
            metadata={purposes.METADATA_KEY: attempt.purpose},
        )
    except (stripe.StripeError, ProviderRejectedKey) as exc:
        _close(attempt, "Stripe refused the create request")
        raise _refused(posting_id, attempt.number, exc) from exc
    except PaymentError:
        _close(attempt, "Stripe failed the create request")
        raise
    with locked_posting(posting_id):
        # Racing presses share the attempt and its key: Stripe gave them one session.
        PaymentAttempt.objects.filter(pk=attempt.pk, state=PaymentAttempt.State.RESERVED).update(
            session_id=session.id,
            session_url=session.url,
            state=PaymentAttempt.State.OPEN,
            opened_at=timezone.now(),
        )
    return session.url


def _reserve(posting_id, bought, not_open):
    """The attempt of the purpose `bought` this press belongs to, under the row lock: one
    reserved or opened by a racing press while it can still be used, else a new one; an
    earlier one still open is then closed (a payment for it is refunded as superseded)."""
    with locked_posting(posting_id) as posting:
        if not bought.can_buy(posting):
            raise NotOffered(bought)
        now = timezone.now()
        ttl = timedelta(minutes=settings.CHECKOUT_SESSION_TTL_MINUTES)
        current = open_attempt(posting, bought.purpose)
        if current is not None:
            left = current.expires_at - now
            reserved = current.state == PaymentAttempt.State.RESERVED and left >= ttl
            opened = current.session_id not in ("", not_open) and left >= REUSE_MARGIN
            if reserved or opened:
                return current
        posting.payment_attempts.filter(
            purpose=bought.purpose,
            state__in=[PaymentAttempt.State.RESERVED, PaymentAttempt.State.OPEN],
        ).update(
            state=PaymentAttempt.State.CLOSED,
            closed_at=now,
            note=f"Superseded by a new {bought.purpose.label.lower()}",
        )
        last = posting.payment_attempts.aggregate(last=Max("number"))["last"] or 0
        return PaymentAttempt.objects.create(
            posting=posting,
            purpose=bought.purpose,
            number=last + 1,
            reviewed=posting.content_digest,
            expires_at=now + ttl + EXPIRY_HEADROOM,
            **attempt_terms(bought.listing(posting)),
        )


def _close(attempt, why):
    PaymentAttempt.objects.filter(pk=attempt.pk, session_id="").update(
        state=PaymentAttempt.State.CLOSED, closed_at=timezone.now(), note=why
    )


def refund(attempt, *, by, note=""):
    """Refund one paid later payment (staff): that attempt's payment only, and what it
    bought taken back (a renewal's days, an upgrade's feature); the posting's first payment
    is untouched. Returns the Refund record; a second call refunds nothing more."""
    with locked_posting(attempt.posting_id) as posting:
        later = posting.payment_attempts.exclude(purpose=PaymentAttempt.Purpose.FIRST)
        attempt = later.get(pk=attempt.pk)
        if not attempt.is_paid:
            raise refunds.NothingToRefund()
        known = Refund.objects.filter(payment_intent_id=attempt.payment_intent_id).first()
        if known is not None:
            return known
        if attempt.applied_at:  # what it bought was applied: take it back
            purposes.of(attempt).take_back(posting, attempt, by=by)
            posting.save()
        record = refunds.record_refund(
            posting,
            payment_intent_id=attempt.payment_intent_id,
            session_id=attempt.session_id,
            amount=attempt.amount,
            currency=attempt.currency,
            reason=Refund.Reason.STAFF,
            note=note or f"{attempt.get_purpose_display()} (payment {attempt.number}) refunded",
            by=by,
        )
    refunds.run_refund(record)
    return Refund.objects.get(pk=record.pk)

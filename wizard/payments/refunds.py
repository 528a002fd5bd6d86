"""Refunds: recorded first, then asked of Stripe with a key per payment, then applied.

A refund row is unique per PaymentIntent, so asking twice (a retried webhook, the
reconciler, a second staff click) never refunds twice; Stripe's Idempotency-Key
makes the create request itself safe to repeat.
"""

import logging

import stripe
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from django_fsm import can_proceed

from wizard.jobs import runner, staff_alert
from wizard.jobs.models import Job
from wizard.payments import purposes
from wizard.payments.attempts import current_attempt
from wizard.payments.client import call
from wizard.payments.exceptions import PaymentError, PaymentProviderUnavailable
from wizard.payments.models import PaymentAttempt, Refund, RefundMade
from wizard.postings import events
from wizard.postings.money import money
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)

REFUND_EFFECT = "refund"  # the effect kind that asks Stripe (wizard.payments.refund_kind)

# Stripe's refund reasons; ours are finer and go in the metadata.
STRIPE_REASON = {
    Refund.Reason.SUPERSEDED: "duplicate",
    Refund.Reason.MISMATCH: "requested_by_customer",
    Refund.Reason.ABANDONED: "requested_by_customer",
    Refund.Reason.STAFF: "requested_by_customer",
    Refund.Reason.REJECTED: "requested_by_customer",
    Refund.Reason.WITHDRAWN: "requested_by_customer",
    Refund.Reason.FRAUD_WARNING: "fraudulent",
}


class RefundFailed(PaymentError):
    message = "The refund could not be made. Staff have been told."


class NothingToRefund(PaymentError):
    message = "This posting has no payment to refund any more: it may have just been reviewed."


def refund(posting, reason, *, by, note=""):
    """Refund the posting's own payment now, and move it to refunded.

    The refund is recorded under the row lock, after checking the posting may still be
    refunded; from then on review refuses to approve or reject it (JobPosting.approve's
    condition), so a refund and a publication can never both happen. Stripe is asked
    at once, through the effect runner; if Stripe is down the runner retries.
    """
    with locked_posting(posting.pk) as posting:
        current_attempt(posting)
        if not is_refundable(posting):
            raise NothingToRefund()
        if posting.current_attempt.is_free:
            return withdraw_free(posting, reason, by=by, note=note)
        record = record_own_refund(posting.current_attempt, reason, by=by, note=note)
    effect = run_refund(record)
    if effect.state == Job.State.FAILED:
        raise RefundFailed(effect.last_error)
    if effect.state != Job.State.SENT:
        raise PaymentProviderUnavailable(effect.last_error)
    return Refund.objects.get(pk=record.pk)


def is_refundable(posting):
    """The posting's own payment may be refunded now: the transition to refunded may
    proceed, and its current attempt (as loaded) is paid, with money or without."""
    payment = posting.current_attempt
    return (
        can_proceed(posting.mark_refunded)
        and payment is not None
        and (payment.is_paid or payment.is_free)
    )


NOTHING_TO_REFUND = "nothing to refund: a promotion code paid it all, no money was taken"


def withdraw_free(posting, reason, *, by, note=""):
    """A free payment's "refund" (call with the posting locked): the posting is withdrawn
    as a refunded one is, and Stripe is not asked (there is no charge)."""
    why = note or Refund.Reason(reason).label
    posting.mark_refunded(by=by, why=f"Withdrawn: {why}; {NOTHING_TO_REFUND}")
    posting.save()
    return None


def record_own_refund(payment, reason, *, by, note=""):
    """Record a refund of a posting's own payment, its current attempt (call with the
    posting locked)."""
    return record_refund(
        payment.posting,
        payment_intent_id=payment.payment_intent_id,
        session_id=payment.session_id,
        amount=payment.amount,
        currency=payment.currency,
        reason=reason,
        note=note,
        by=by,
    )


def record_refund(posting, *, payment_intent_id, session_id, amount, currency, reason, by, note=""):
    """The intent to refund, as a row, and the effect that asks Stripe for it, both in
    the caller's transaction; returns the existing row for an already known payment."""
    try:
        with transaction.atomic():
            record = Refund.objects.create(
                posting=posting,
                payment_intent_id=payment_intent_id,
                checkout_session_id=session_id,
                amount=amount,
                currency=currency,
                reason=reason,
                note=note,
                requested_by=by.user,
            )
    except IntegrityError:
        return Refund.objects.get(payment_intent_id=payment_intent_id)
    if reason != Refund.Reason.EXTERNAL:  # one made at Stripe needs no asking
        asked_by = {"actor": by.kind, "user_id": by.user.pk if by.user else None}
        runner.queue(posting, REFUND_EFFECT, payment_intent_id, payload=asked_by)
    return record


def run_refund(record):
    """The refund's effect, attempted in this process unless it was already: it runs once
    the recording transaction commits (run_at_once), and the worker retries it."""
    effect = Job.objects.get(
        posting_id=record.posting_id, kind=REFUND_EFFECT, name=record.payment_intent_id
    )
    if effect.attempts == 0:
        runner.run_now(effect.pk)
        effect.refresh_from_db()
    return effect


class RefundNotMade(Exception):
    """Stripe created the refund but reports it failed or canceled: no money went back."""


UNFINISHED = {"pending", "requires_action"}
NOT_MADE = {"failed", "canceled"}


def ask_stripe(record, attempt):
    """Ask Stripe to refund a recorded payment; returns Stripe's refund (None when the
    payment turns out to be refunded already).

    Each attempt has its own idempotency key: Stripe replays a failed request's answer
    (a 500 included) for its key for 24 hours. So before a new key is tried, what Stripe
    already has for the payment is looked up and adopted: a refund is never asked twice.
    Raises PaymentProviderUnavailable (worth retrying), stripe.InvalidRequestError (a
    refusal) or RefundNotMade.
    """
    existing = _refund_at_stripe(record) if attempt > 1 else None
    if existing is None:
        try:
            existing = call(
                lambda stripe_api: stripe_api.v1.refunds.create(
                    params={
                        "payment_intent": record.payment_intent_id,
                        "reason": STRIPE_REASON.get(record.reason, "requested_by_customer"),
                        "metadata": {
                            "posting_id": str(record.posting_id),
                            "reason": record.reason,
                        },
                    },
                    options={
                        "idempotency_key": f"jobwizard-refund-{record.payment_intent_id}-{attempt}"
                    },
                )
            )
        except stripe.InvalidRequestError as exc:
            if exc.code != "charge_already_refunded":
                raise
            return None  # refunded already, in Stripe's dashboard say
    if existing.status in NOT_MADE:
        raise RefundNotMade(f"Stripe reports the refund {existing.id} {existing.status}")
    return existing


def _refund_at_stripe(record):
    """A refund Stripe already has for the payment, not failed or canceled, that refunds
    the whole amount still due: with the others, nothing of the payment is left. An
    earlier partial refund (from the Dashboard, say) is not ours and is never adopted."""
    found = call(
        lambda stripe_api: stripe_api.v1.refunds.list(
            params={"payment_intent": record.payment_intent_id, "limit": 100}
        )
    )
    made = [refund for refund in found.data if refund.status not in NOT_MADE]
    total = sum(refund.amount for refund in made)
    return next((refund for refund in made if _completes(refund, total, record.amount)), None)


def _completes(refund, total, amount):
    """The refund takes what the others left of the payment to nothing."""
    return total >= amount and refund.amount == amount - (total - refund.amount)


def record_unfinished(payment_intent_id, stripe_refund_id, stripe_status):
    """Stripe accepted the refund but has not made it yet (the bank's `pending`, or
    `requires_action`): it stays pending here until Stripe reports the end."""
    Refund.objects.filter(payment_intent_id=payment_intent_id).update(
        stripe_refund_id=stripe_refund_id, stripe_status=stripe_status
    )


def apply_stripe_refund(stripe_refund, *, by):
    """refund.updated / refund.failed: bring our record to the state Stripe has now.
    Returns the record, or None for a refund of a payment we do not know."""
    known = Refund.objects.filter(payment_intent_id=stripe_refund.payment_intent).first()
    if known is None or not _is_ours(known, stripe_refund):
        # Another refund of the payment (Stripe's Dashboard, say): the charge says what it
        # means for the payment, as on charge.refunded.
        if (
            stripe_refund.charge
            and PaymentAttempt.objects.filter(
                payment_intent_id=stripe_refund.payment_intent or ""
            ).exists()
        ):
            record_external_refund(stripe_refund.charge, by=by)
            return None
        logger.error("Stripe refund %s names no refund recorded here", stripe_refund.id)
        return None
    if stripe_refund.status == "succeeded":
        return apply_refunded(
            known.posting_id, known.payment_intent_id, stripe_refund_id=stripe_refund.id, by=by
        )
    with locked_posting(known.posting_id) as posting:
        record = Refund.objects.select_for_update().get(pk=known.pk)
        if record.state == Refund.State.SUCCEEDED and stripe_refund.status not in NOT_MADE:
            return record  # a late update of a refund already made
        record.stripe_refund_id = stripe_refund.id
        record.stripe_status = stripe_refund.status
        if stripe_refund.status in NOT_MADE:
            record.state = Refund.State.FAILED
            record.error = (
                f"Stripe reports the refund {stripe_refund.status}"
                f" ({stripe_refund.failure_reason or 'no reason given'})"
            )
            posting.record_error(
                "We could not refund your payment: our staff have been told and will sort it out.",
                record.error,
            )
            posting.save()
            logger.error("Refund %s of %s failed: %s", stripe_refund.id, posting.pk, record.error)
        record.save()
    return record


def _is_ours(record, stripe_refund):
    """The Stripe refund is the one our record asked for: its id, once known; before, the
    metadata our request gave it."""
    if record.stripe_refund_id:
        return record.stripe_refund_id == stripe_refund.id
    return _metadata(stripe_refund).get("reason") == record.reason


def record_refused(payment_intent_id, error):
    """Stripe refused the refund for good: the row says so, staff are alerted by the runner."""
    Refund.objects.filter(payment_intent_id=payment_intent_id).update(
        state=Refund.State.FAILED, error=error
    )
    logger.error("Refund of %s refused by Stripe: %s", payment_intent_id, error)


def apply_refunded(posting_id, payment_intent_id, *, stripe_refund_id, by):
    """Record that Stripe refunded a payment; a refunded posting's own payment ends it."""
    with locked_posting(posting_id) as posting:
        record = Refund.objects.select_for_update().get(payment_intent_id=payment_intent_id)
        if record.state != Refund.State.SUCCEEDED:
            record.state = Refund.State.SUCCEEDED
            record.stripe_status = "succeeded"
            record.stripe_refund_id = stripe_refund_id or record.stripe_refund_id
            record.error = ""
            record.completed_at = timezone.now()
            record.save()
        payment = current_attempt(posting)
        own = payment is not None and payment.payment_intent_id == payment_intent_id
        why = f"Refunded: {record.get_reason_display()}"
        if own and can_proceed(posting.mark_refunded):
            posting.mark_refunded(by=by, why=why)
            posting.save()
        elif own and record.reason in ENDS_THE_POSTING and can_proceed(posting.end_with_refund):
            posting.end_with_refund(by=by, why=why)
            posting.save()
        # The payment says it is refunded (unless its charge said so already).
        PaymentAttempt.objects.filter(
            payment_intent_id=payment_intent_id, amount_refunded__lt=record.amount
        ).update(amount_refunded=record.amount)
    return record


# Refunds the posting did not ask for, which end it whatever its paid status.
ENDS_THE_POSTING = {Refund.Reason.EXTERNAL, Refund.Reason.FRAUD_WARNING}


@receiver(events.rejected)
def refund_rejected_posting(sender, posting, by, why, **kwargs):
    """A rejected posting's payment goes back; the effect runs as soon as the review commits."""
    payment = current_attempt(posting)
    if payment is not None and payment.is_paid:
        record_own_refund(payment, Refund.Reason.REJECTED, by=by, note=why)


def record_external_refund(charge_id, *, by):
    """charge.refunded: a payment was refunded at Stripe, by us, from its Dashboard or
    otherwise. Its refunds and amount refunded are recorded on the payment; a full refund
    of a posting's own payment ends it (whatever its paid status: published included), a
    full refund of a later payment (a renewal, an upgrade) takes back what it bought; a
    partial one is raised to staff (the "partly refunded" reason) and changes no status.
    Returns the Refund record of a full refund, else None."""
    charge = call(
        lambda stripe_api: stripe_api.v1.charges.retrieve(charge_id, params={"expand": ["refunds"]})
    )
    return apply_charge_refunds(charge, by=by)


def apply_charge_refunds(charge, *, by):
    """Bring our records to what Stripe's charge (with its refunds expanded) says was
    refunded: the webhook's and the reconciler's one way of doing it."""
    if not charge.payment_intent:
        return None
    payment = PaymentAttempt.objects.filter(payment_intent_id=charge.payment_intent).first()
    if payment is None:
        return _apply_stray_refund(charge, by=by)
    record_refunds_made(payment, charge)
    if not charge.refunded:
        if payment.partly_refunded or charge.amount_refunded:
            logger.warning(
                "Payment %s of posting %s partly refunded at Stripe: %s of %s",
                charge.payment_intent,
                payment.posting_id,
                charge.amount_refunded,
                charge.amount,
            )
            _alert_partly_refunded(payment, charge)
        return None
    known = Refund.objects.filter(payment_intent_id=charge.payment_intent).first()
    if known is None:
        with locked_posting(payment.posting_id) as posting:
            known = Refund.objects.filter(payment_intent_id=charge.payment_intent).first()
            if known is None:
                _take_back(posting, payment, by)
                known = record_refund(
                    posting,
                    payment_intent_id=charge.payment_intent,
                    session_id=payment.session_id,
                    amount=charge.amount_refunded,
                    currency=charge.currency,
                    reason=Refund.Reason.EXTERNAL,
                    by=by,
                )
    return apply_refunded(known.posting_id, charge.payment_intent, stripe_refund_id="", by=by)


def _take_back(posting, payment, by):
    """A later payment (a renewal…) refunded outside the app: what it bought, if it was
    applied, is taken back, as a staff refund of it does (later_payments.refund). Called
    once, with the locked posting, where the payment's Refund record is made."""
    if payment.purpose != PaymentAttempt.Purpose.FIRST and payment.applied_at:
        purposes.of(payment).take_back(posting, payment, by=by)
        posting.save()


def _apply_stray_refund(charge, *, by):
    """A refunded charge whose PaymentIntent no attempt records: a payment that never
    became its posting's (superseded, mismatched, for an abandoned posting), refunded by
    us, has only our Refund as its record; a full refund of it is applied to that record
    (a no-op once its job did). Only a charge we have no record of at all is an error."""
    known = Refund.objects.filter(payment_intent_id=charge.payment_intent).first()
    if known is None:
        logger.error("Charge %s refunded at Stripe matches no posting", charge.id)
        return None
    if not charge.refunded:
        logger.warning(
            "Payment %s, refunded here as %s, is only partly refunded at Stripe: %s of %s",
            charge.payment_intent,
            known.reason,
            charge.amount_refunded,
            charge.amount,
        )
        return None
    return apply_refunded(known.posting_id, charge.payment_intent, stripe_refund_id="", by=by)


def record_refunds_made(payment, charge):
    """Each refund of the charge as a RefundMade row, and the payment's amount refunded
    as the charge has it now (the charge's refunds must be expanded)."""
    listed = getattr(charge, "refunds", None)
    for stripe_refund in listed.data if listed else []:
        RefundMade.objects.update_or_create(
            stripe_refund_id=stripe_refund.id,
            defaults={
                "payment": payment,
                "amount": stripe_refund.amount,
                "currency": stripe_refund.currency,
                "status": stripe_refund.status,
                "stripe_reason": stripe_refund.reason or "",
                "by_us": bool(_metadata(stripe_refund).get("posting_id")),
            },
        )
    PaymentAttempt.objects.filter(pk=payment.pk).update(amount_refunded=charge.amount_refunded)
    payment.amount_refunded = charge.amount_refunded


def _metadata(stripe_object):
    metadata = getattr(stripe_object, "metadata", None)
    return metadata.to_dict() if metadata else {}


def _alert_partly_refunded(payment, charge):
    """Staff decide what a partial refund made outside the app means for the posting (it
    keeps its status): one alert per amount refunded."""
    posting = payment.posting
    refunded = money(charge.amount_refunded, charge.currency)
    with transaction.atomic():
        staff_alert.alert(
            posting,
            f"partly_refunded:{charge.id}:{charge.amount_refunded}",
            f"Payment partly refunded at Stripe: {posting}",
            f"{refunded} of {payment.amount_display} paid for {posting} was refunded outside "
            f"Jobwizard (Stripe's Dashboard, say). The posting stays {posting.status_label}; "
            "decide whether it should.\n"
            f"The posting: {staff_alert.admin_url(posting)}",
        )

"""Disputes: a card holder's bank takes a payment back (a chargeback, or an inquiry first).

Every `charge.dispute.*` event (created, updated, closed, funds_withdrawn,
funds_reinstated) is handled the same way: ask Stripe for the dispute as it is now (the
payload proves nothing), bring our `Dispute` record to it and apply the policy, under
the posting's row lock. So events late, repeated or in any order end in the same state,
and the reconciler applies (`apply_dispute`) the disputes of a charge whose events were lost.

The policy (docs/payments.md, "Disputes"):
- open (an inquiry or a dispute, its appeal included): the posting leaves the board and
  the search engines (`take_down_for_dispute`, from any paid status in which the employer
  holds our service), unless DISPUTE_TAKES_POSTING_DOWN is off; the record keeps the
  status it had;
- won (or an inquiry closed): back to that status (`restore_after_dispute`): on the board
  again only if its time is not up, in review if it was paid but not yet reviewed;
- lost (or prevented: refunded by a prevention program): the posting ends
  (`end_for_lost_dispute`, "Ended: payment disputed"); its money is accounted as
  disputed on the Dispute record, never as a refund of ours.
Staff are told: the "Payment disputed" attention reason while one is open (the admin
shows its evidence deadline), the record on the posting's admin page, and a staff alert
(wizard.jobs.staff_alert) when a dispute opens and when it closes.
"""

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from django_fsm import can_proceed

from wizard.jobs import staff_alert
from wizard.payments.chargebacks import Dispute
from wizard.payments.client import call
from wizard.payments.models import PaymentAttempt, Refund
from wizard.postings.models import Actor
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


def sync_dispute(dispute_id, *, by=None):
    """Ask Stripe for the dispute and apply it; returns our record (None for a dispute of
    a payment we do not know)."""
    stripe_dispute = call(lambda stripe_api: stripe_api.v1.disputes.retrieve(dispute_id))
    return apply_dispute(stripe_dispute, by=by or Actor.system())


def apply_dispute(stripe_dispute, *, by):
    """Bring our record of a dispute to what Stripe says now, and the posting with it."""
    payment_intent_id = _id(_field(stripe_dispute, "payment_intent"))
    known = Dispute.objects.filter(stripe_dispute_id=stripe_dispute.id).first()
    payment, posting_id = None, known.posting_id if known is not None else None
    if known is None and payment_intent_id:
        payment = PaymentAttempt.objects.filter(payment_intent_id=payment_intent_id).first()
        posting_id = payment.posting_id if payment is not None else _stray(payment_intent_id)
    if posting_id is None:
        logger.error(
            "Stripe dispute %s (charge %s) matches no payment of ours",
            stripe_dispute.id,
            _id(_field(stripe_dispute, "charge")),
        )
        return None
    with locked_posting(posting_id) as posting:
        record = Dispute.objects.select_for_update().filter(stripe_dispute_id=stripe_dispute.id)
        record = record.first() or Dispute(
            posting=posting,
            payment=payment,
            stripe_dispute_id=stripe_dispute.id,
            opened_at=_when(stripe_dispute.created) or timezone.now(),
        )
        before = record.status
        _copy(stripe_dispute, record, payment_intent_id)
        record.save()
        _apply_policy(posting, record, by)
        if record.status != before:
            _alert_staff(posting, record)
            logger.warning(
                "Dispute %s of posting %s: %s → %s",
                record.stripe_dispute_id,
                posting.pk,
                before or "new",
                record.status,
            )
    return record


def _copy(stripe_dispute, record, payment_intent_id):
    record.charge_id = _id(stripe_dispute.charge)
    record.payment_intent_id = payment_intent_id or ""
    record.amount = stripe_dispute.amount
    record.currency = stripe_dispute.currency
    record.reason = stripe_dispute.reason or ""
    record.status = stripe_dispute.status
    record.livemode = bool(stripe_dispute.livemode)
    details = _field(stripe_dispute, "evidence_details")
    record.evidence_due_by = _when(_field(details, "due_by") if details else None)
    moves = [
        _field(bt, "amount") or 0 for bt in _field(stripe_dispute, "balance_transactions") or []
    ]
    record.funds_withdrawn = sum(-amount for amount in moves if amount < 0)
    record.funds_reinstated = sum(amount for amount in moves if amount > 0)
    if record.is_open:
        record.closed_at = None
    elif record.closed_at is None:
        record.closed_at = timezone.now()


def _stray(payment_intent_id):
    """The posting of a payment that never became its posting's (superseded, mismatched,
    for an abandoned posting): no attempt records it, its refund of ours names the posting."""
    return (
        Refund.objects.filter(payment_intent_id=payment_intent_id)
        .values_list("posting_id", flat=True)
        .first()
    )


def _apply_policy(posting, record, by):
    """Move the locked posting as the dispute's state says; a no-op when it is there."""
    current = posting.current_attempt
    own = current is not None and record.payment_intent_id == current.payment_intent_id
    if not own:
        return  # a payment that is not the posting's (a superseded one): staff are told
    why = f"Payment disputed at Stripe ({record.reason or 'no reason given'}): {record.status}"
    if record.is_open:
        if settings.DISPUTE_TAKES_POSTING_DOWN and can_proceed(posting.take_down_for_dispute):
            record.posting_status_before = posting.status
            record.save(update_fields=["posting_status_before"])
            posting.take_down_for_dispute(by=by, why=why)
            posting.save()
    elif record.is_lost:
        if can_proceed(posting.end_for_lost_dispute):
            posting.end_for_lost_dispute(by=by, why=why)
            posting.save()
    elif record.is_won:
        still_open = posting.disputes.filter(status__in=Dispute.OPEN).exclude(pk=record.pk)
        took_down = posting.disputes.exclude(posting_status_before="").order_by("-recorded_at")
        before = took_down.values_list("posting_status_before", flat=True).first()
        if before and not still_open.exists() and can_proceed(posting.restore_after_dispute):
            posting.restore_after_dispute(before=before, by=by, why=why)
            posting.save()


def _alert_staff(posting, record):
    """Once when a dispute opens, once when it closes (each status it closes with)."""
    if record.is_open:
        name, what = f"dispute:{record.stripe_dispute_id}:opened", "opened"
    else:
        name, what = f"dispute:{record.stripe_dispute_id}:{record.status}", record.status_label
    due = (
        f"Evidence is due by {record.evidence_due_by:%Y-%m-%d %H:%M} UTC; without it the "
        "dispute is lost by default."
        if record.evidence_due_by and record.status in Dispute.NEEDS_RESPONSE
        else ""
    )
    subject = f"Payment dispute {what}: {posting}"
    body = "\n".join(
        line
        for line in [
            f"A payment dispute of the posting {posting} ({posting.pk}) is now: "
            f"{record.status_label}.",
            f"Amount: {record.amount_display}. Reason given: {record.reason or 'none'}.",
            due,
            f"The posting is now: {posting.status_label}.",
            f"Respond in Stripe's dashboard: {record.dashboard_url}",
            f"The posting: {staff_alert.admin_url(posting)}",
        ]
        if line
    )
    staff_alert.alert(posting, name, subject, body)


def _field(obj, name):
    """A field of a Stripe object (or a dict), None when absent."""
    return obj[name] if name in obj else None


def _id(value):
    """An expandable field's id (a string, an expanded object, or None)."""
    if value is None or isinstance(value, str):
        return value
    return _field(value, "id")


def _when(timestamp):
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None

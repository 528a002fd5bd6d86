"""Early fraud warnings (Stripe Radar): the card issuer says a charge looks fraudulent.

Refunding such a charge at once avoids the dispute (and its fee) that usually follows.
On `radar.early_fraud_warning.created` (or `.updated`) the warning is asked of Stripe
(the payload proves nothing), with its charge; a warning Stripe marks `actionable` on a
charge not yet disputed nor refunded is refunded (reason `fraud_warning`, Stripe's reason
"fraudulent") and its posting taken off the board at once (withdrawn, so de-indexed);
the refund, once made, ends it. `REFUND_EARLY_FRAUD_WARNINGS` (default on) switches the
refund off: the warning is then only recorded. Every warning on one of our payments is a
FraudWarning row, shown to staff (the "Early fraud warning" attention reason).
"""

import logging

from django.conf import settings
from django.db import transaction

from wizard.jobs import staff_alert
from wizard.payments.chargebacks import FraudWarning
from wizard.payments.client import call
from wizard.payments.models import PaymentAttempt, Refund
from wizard.payments.refunds import record_refund
from wizard.postings.models import Status
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


def handle_warning(warning_id, *, by):
    """Record the warning and act on it; returns its FraudWarning row, or None when it
    names a charge of no payment of ours. Safe to repeat: the refund is recorded once
    per payment, and the row once per warning."""
    warning = call(lambda stripe_api: stripe_api.v1.radar.early_fraud_warnings.retrieve(warning_id))
    charge_id = warning.charge if isinstance(warning.charge, str) else warning.charge.id
    charge = call(lambda stripe_api: stripe_api.v1.charges.retrieve(charge_id))
    payment = PaymentAttempt.objects.filter(payment_intent_id=charge.payment_intent or "").first()
    if payment is None:
        logger.error("Early fraud warning %s names charge %s of no posting", warning.id, charge_id)
        return None
    with locked_posting(payment.posting_id) as posting:
        known = FraudWarning.objects.select_for_update().filter(stripe_id=warning.id).first()
        action = _decide(warning, charge, payment)
        if action is None:
            action = _refund(posting, payment, warning, by=by)
            staff_alert.alert(
                posting,
                f"fraud_warning:{warning.id}",
                f"Early fraud warning, payment refunded: {posting}",
                f"The card issuer reported the payment of {payment.amount_display} for "
                f"{posting} as {warning.fraud_type}. It is {action}.\n"
                f"The posting: {staff_alert.admin_url(posting)}",
            )
        if known is not None and known.action.startswith("refunded"):
            action = known.action  # acted on before: an update changes nothing
        fraud_warning, _ = FraudWarning.objects.update_or_create(
            stripe_id=warning.id,
            defaults={
                "posting": posting,
                "charge_id": charge_id,
                "payment_intent_id": charge.payment_intent or "",
                "fraud_type": warning.fraud_type,
                "actionable": warning.actionable,
                "action": action[:255],
            },
        )
    logger.warning(
        "Early fraud warning %s (%s) on posting %s: %s",
        warning.id,
        warning.fraud_type,
        payment.posting_id,
        action,
    )
    return fraud_warning


def _decide(warning, charge, payment):
    """Why the warning is only recorded, or None when its payment is to be refunded."""
    if not warning.actionable:
        return "recorded: Stripe says it is not actionable (refunded or disputed already)"
    if charge.disputed:
        return "recorded: the charge is disputed already; the dispute decides"
    if charge.refunded:
        return "recorded: the charge is refunded already"
    if not settings.REFUND_EARLY_FRAUD_WARNINGS:
        return "recorded, not refunded: REFUND_EARLY_FRAUD_WARNINGS is off; staff decide"
    return None


def _refund(posting, payment, warning, *, by):
    """Take the posting off the board now and record the refund (the posting is locked);
    the refund job asks Stripe once this commits."""
    if posting.status == Status.PUBLISHED:
        posting.withdraw(by=by, why=f"Early fraud warning ({warning.fraud_type}): refunding")
        posting.save()
    existing = Refund.objects.filter(payment_intent_id=payment.payment_intent_id).first()
    if existing is not None:
        return f"refund already {existing.get_state_display().lower()} ({existing.reason})"
    with transaction.atomic():
        record_refund(
            posting,
            payment_intent_id=payment.payment_intent_id,
            session_id=payment.session_id,
            amount=payment.amount,
            currency=payment.currency,
            reason=Refund.Reason.FRAUD_WARNING,
            note=f"Stripe early fraud warning {warning.id}: {warning.fraud_type}",
            by=by,
        )
    return "refunded (posting taken off the board)"

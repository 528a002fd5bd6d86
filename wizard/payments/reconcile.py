"""Compare Stripe with the database and repair what a lost webhook or a crash left behind.

Safe to run concurrently and repeatedly: every repair goes through `fulfil`,
`close_ended_checkout` or the refund service, which lock the posting, re-check
and do nothing when the work is already done.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import stripe
from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from wizard.jobs.models import Job
from wizard.payments import disputes, documents, fraud_warnings, money_invariant, refunds
from wizard.payments.chargebacks import Dispute, FraudWarning
from wizard.payments.checkout import close_ended_checkout, payment_failed_at_stripe
from wizard.payments.client import background, call
from wizard.payments.exceptions import PaymentError, PaymentProviderUnavailable
from wizard.payments.fulfilment import (
    PAID_STATUSES,
    FulfilOutcome,
    decide,
    fulfil,
    is_paid,
    is_processing,
    posting_for,
    retrieve_session,
)
from wizard.payments.models import PaymentAttempt, Refund
from wizard.postings.models import Actor, Status

logger = logging.getLogger(__name__)


ACTIONS = {
    FulfilOutcome.PAID: "fulfilled",
    FulfilOutcome.SUPERSEDED: "refunded (superseded attempt)",
    FulfilOutcome.MISMATCH: "refunded (amount, currency or posting mismatch)",
    FulfilOutcome.CONTENT_CHANGED: "refunded (paid for content the posting no longer has)",
    FulfilOutcome.ABANDONED: "refunded (posting abandoned)",
    FulfilOutcome.NOT_APPLICABLE: "refunded (the posting can no longer have what it paid for)",
    FulfilOutcome.PROCESSING: "payment processing",
}


class Kind(StrEnum):
    """The kinds of difference (the metric's label, wizard.ops.watch)."""

    ORPHANED_PAYMENT = "orphaned_payment"  # money at Stripe that no posting here knows
    PAYMENT_NOT_APPLIED = "payment_not_applied"
    CHECKOUT_ENDED = "checkout_ended"
    DELAYED_PAYMENT = "delayed_payment"
    REFUND_PENDING = "refund_pending"
    REFUND_NOT_RECORDED = "refund_not_recorded"
    REFUND_NOT_AT_STRIPE = "refund_not_at_stripe"
    DISPUTE_NOT_APPLIED = "dispute_not_applied"
    FRAUD_WARNING_NOT_SEEN = "fraud_warning_not_seen"
    DOCUMENT_NOT_RECORDED = "document_not_recorded"  # an invoice's pages, a receipt
    AMOUNT_NOT_ADDING_UP = "amount_not_adding_up"  # amount != price - discount + tax


@dataclass
class Difference:
    what: str
    session_id: str
    posting_id: str
    action: str
    kind: Kind

    def __str__(self):
        posting = self.posting_id or "-"
        return f"{self.what:<34} session {self.session_id}  posting {posting}  -> {self.action}"


class ReconcileIncomplete(Exception):
    """Some passes could not ask Stripe. Raised once every pass has run: `differences`
    are those the other passes found (and repaired), `failures` one line per failed pass."""

    def __init__(self, differences, failures):
        self.differences = differences
        self.failures = failures
        super().__init__("; ".join(failures))


def reconcile(*, dry_run=False):
    """Return the differences found; unless dry_run, repair them.

    Each pass runs whatever happens to the others; when Stripe could not be asked in one,
    ReconcileIncomplete is raised after all of them ran."""
    differences, failures = [], []
    with background():
        for what, check in PASSES:
            try:
                differences += check(dry_run)
            except (PaymentError, stripe.StripeError) as exc:
                failures.append(f"{what}: could not be checked: {_reason(exc)}")
    for difference in differences:
        logger.info("reconcile%s: %s", " (dry run)" if dry_run else "", difference)
    if failures:
        raise ReconcileIncomplete(differences, failures)
    return differences


def _reason(exc):
    if isinstance(exc, PaymentProviderUnavailable):
        return f"Stripe is unavailable ({exc})"
    if isinstance(exc, stripe.StripeError):
        return f"Stripe refused ({exc.user_message or exc.__class__.__name__})"
    return exc.message


def _paid_at_stripe_not_here(dry_run):
    since = int((timezone.now() - timedelta(days=settings.RECONCILE_LOOKBACK_DAYS)).timestamp())
    sessions = call(
        lambda stripe_api: stripe_api.v1.checkout.sessions.list(
            params={"status": "complete", "created": {"gte": since}, "limit": 100}
        )
    )
    found = []
    for session in sessions.auto_paging_iter():
        if session.payment_status not in PAID_STATUSES:
            continue
        posting = posting_for(session)
        if posting is None:
            found.append(
                Difference(
                    "payment with no posting here",
                    session.id,
                    "",
                    "reported",
                    Kind.ORPHANED_PAYMENT,
                )
            )
            continue
        if Refund.objects.filter(payment_intent_id=session.payment_intent).exists():
            continue  # already being refunded (see _pending_refunds)
        found += _fulfilled(posting, session, "paid at Stripe, not applied here", dry_run)
    return found


def _fulfilled(posting, session, what, dry_run):
    """A paid session fulfils its posting (or is refunded, as fulfil decides) unless that
    is done already: the difference, or none."""
    outcome = decide(posting, session)
    if outcome in (FulfilOutcome.ALREADY_PAID, FulfilOutcome.NOT_PAID):
        return []
    if not dry_run:
        outcome = _attempt(outcome, fulfil, session.id, by=Actor.system())
    action = ACTIONS.get(outcome, outcome.value)
    return [Difference(what, session.id, str(posting.pk), action, Kind.PAYMENT_NOT_APPLIED)]


def _expired_at_stripe_awaiting_here(dry_run):
    found = []
    open_checkouts = PaymentAttempt.objects.filter(
        state=PaymentAttempt.State.OPEN, posting__status=Status.AWAITING_PAYMENT
    )
    for attempt in open_checkouts:
        session = retrieve_session(attempt.session_id)
        if session is not None and is_processing(session):  # completed event lost
            found.append(_delayed_payment(attempt, session, dry_run, "completed unpaid at Stripe"))
            continue
        if session is None or session.status != "expired":
            continue
        action = "back to the payment step"
        if not dry_run and not _attempt(False, close_ended_checkout, session.id):
            action = "already handled"
        found.append(
            Difference(
                "expired at Stripe, awaiting here",
                session.id,
                str(attempt.posting_id),
                action,
                Kind.CHECKOUT_ENDED,
            )
        )
    return found


def _delayed_payments(dry_run):
    """Postings whose delayed payment is processing here, whatever their age (SEPA Debit
    can take 14 business days): each session is asked whether its money arrived or
    failed, in case async_payment_succeeded or _failed was lost."""
    found = []
    processing = PaymentAttempt.objects.filter(
        state=PaymentAttempt.State.PROCESSING, posting__status=Status.PAYMENT_PROCESSING
    )
    for attempt in processing:
        session = retrieve_session(attempt.session_id)
        if session is not None and session.status == "complete":
            difference = _delayed_payment(attempt, session, dry_run, "delayed payment ended")
            if difference is not None:
                found.append(difference)
    return found


def _delayed_payment(attempt, session, dry_run, what):
    """A completed session's delayed payment: paid (fulfil), failed (back to the payment
    step, the employer emailed) or processing; None when processing is already known."""
    posting_id = str(attempt.posting_id)
    if session.payment_status in PAID_STATUSES:
        outcome = FulfilOutcome.PAID
        if not dry_run:
            outcome = _attempt(outcome, fulfil, session.id, by=Actor.system())
        return Difference(
            f"{what}: paid",
            session.id,
            posting_id,
            ACTIONS.get(outcome, outcome.value),
            Kind.DELAYED_PAYMENT,
        )
    if payment_failed_at_stripe(session):
        action = "back to the payment step (payment failed)"
        if not dry_run and not _attempt(False, close_ended_checkout, session.id):
            action = "already handled"
        return Difference(f"{what}: failed", session.id, posting_id, action, Kind.DELAYED_PAYMENT)
    if attempt.state == PaymentAttempt.State.PROCESSING:
        return None  # still on its way, as we know
    outcome = FulfilOutcome.PROCESSING
    if not dry_run:
        outcome = _attempt(outcome, fulfil, session.id, by=Actor.system())
    action = ACTIONS.get(outcome, outcome.value)
    return Difference(what, session.id, posting_id, action, Kind.DELAYED_PAYMENT)


def _pending_refunds(dry_run):
    """Refunds recorded but not yet made: reported; asking Stripe is their effect's job
    (wizard.payments.refund_kind), retried by the runner, so this pass makes no call."""
    found = []
    for record in Refund.objects.filter(state=Refund.State.PENDING):
        effect = Job.objects.filter(
            posting_id=record.posting_id, kind=refunds.REFUND_EFFECT, name=record.payment_intent_id
        ).first()
        action = (
            f"effect {effect.get_state_display().lower()} after {effect.attempts} attempt(s)"
            if effect
            else "no effect to ask Stripe: see the admin"
        )
        found.append(
            Difference(
                "refund not yet made",
                record.checkout_session_id,
                str(record.posting_id),
                action,
                Kind.REFUND_PENDING,
            )
        )
    return found


def _paid_session_of_awaiting_posting(dry_run):
    """Every posting still awaiting payment, whatever its age, against its session: a
    payment made after the lookback with its webhook and return lost (a delayed method,
    say) is fulfilled. Sessions within the lookback are `_paid_at_stripe_not_here`'s."""
    since = timezone.now() - timedelta(days=settings.RECONCILE_LOOKBACK_DAYS)
    found = []
    awaiting = PaymentAttempt.objects.filter(
        state=PaymentAttempt.State.OPEN,
        posting__status=Status.AWAITING_PAYMENT,
        opened_at__lt=since,
    ).exclude(session_id="")
    for attempt in awaiting:
        session = retrieve_session(attempt.session_id)
        if session is None or not is_paid(session):
            continue
        posting = posting_for(session)
        if posting is None:
            continue
        found += _fulfilled(posting, session, "paid at Stripe, still awaiting here", dry_run)
    return found


def _charges_of_paid_payments(dry_run):
    """Each payment taken within the lookback against its charge at Stripe, compared by
    CHARGE_CHECKS. The charges are listed, a hundred a request, not fetched one by one:
    the pass runs every interval."""
    since = timezone.now() - timedelta(days=settings.RECONCILE_LOOKBACK_DAYS)
    paid = (
        PaymentAttempt.objects.exclude(payment_intent_id="")
        .filter(paid_at__gte=since)
        .annotate(made=Sum("refunds_made__amount", filter=Q(refunds_made__status="succeeded")))
    )
    ours = {payment.payment_intent_id: payment for payment in paid}
    if not ours:
        return []
    # A charge is made before its payment is recorded here: a day's margin.
    created_since = int((since - timedelta(days=1)).timestamp())
    charges = call(
        lambda stripe_api: stripe_api.v1.charges.list(
            params={"created": {"gte": created_since}, "limit": 100}
        )
    )
    found = []
    for charge in charges.auto_paging_iter():
        payment = ours.get(charge.payment_intent)
        if payment is None or charge.status != "succeeded":
            continue
        for check in CHARGE_CHECKS:
            found += check(payment, charge, dry_run)
    return found


def compare_refunds(payment, charge, dry_run):
    """What Stripe refunded of the payment against what we recorded: a refund whose
    charge.refunded webhook was lost (full or partial) is applied as the webhook would;
    refunds Stripe made that have no RefundMade row here (ours, made at once, whose
    charge.refunded was lost: the payment's amount refunded is right, its records are
    not) are recorded the same way; less refunded at Stripe than here (a refund that
    failed after succeeding) is reported."""
    ours = payment.amount_refunded
    full_not_applied = (
        charge.refunded
        and not Refund.objects.filter(
            payment_intent_id=payment.payment_intent_id, state=Refund.State.SUCCEEDED
        ).exists()
    )
    if charge.amount_refunded > ours or full_not_applied:
        what = "refunded at Stripe, not here" if charge.refunded else "partly refunded at Stripe"
        action = "applied" if charge.refunded else "recorded; staff alerted"
        return [_refund_difference(payment, charge, what, action, dry_run)]
    if charge.amount_refunded < ours:
        return [
            Difference(
                f"refunded here, not at Stripe ({charge.amount_refunded} < {ours})",
                payment.session_id,
                str(payment.posting_id),
                "reported: see the refund in Stripe's Dashboard",
                Kind.REFUND_NOT_AT_STRIPE,
            )
        ]
    if _refunds_made_here(payment) < charge.amount_refunded:
        what = "refunds made not recorded here"
        return [_refund_difference(payment, charge, what, "recorded", dry_run)]
    return []


def _refund_difference(payment, charge, what, action, dry_run):
    """Apply the charge's refunds (unless dry_run) and say so."""
    if not dry_run and _attempt(False, _apply_refunds, charge.id) is False:
        action = "not applied: Stripe is unavailable, will retry"
    return Difference(
        f"{what} ({charge.amount_refunded} of {charge.amount})",
        payment.session_id,
        str(payment.posting_id),
        action,
        Kind.REFUND_NOT_RECORDED,
    )


def _refunds_made_here(payment):
    """The sum of the payment's RefundMade rows that succeeded (annotated by the pass)."""
    made = getattr(payment, "made", None)
    if made is None and not hasattr(payment, "made"):
        made = payment.refunds_made.filter(status="succeeded").aggregate(total=Sum("amount"))
        made = made["total"]
    return made or 0


def _apply_refunds(charge_id):
    refunds.record_external_refund(charge_id, by=Actor.system())
    return True


def compare_receipt(payment, charge, dry_run):
    """The charge's receipt, when its payment has not recorded it (Stripe could not be asked
    when it was fulfilled): recorded from the listed charge, no further request."""
    if payment.receipt_url or not charge.receipt_url:
        return []
    if not dry_run:
        documents.record(payment.pk, documents.Documents(receipt_url=charge.receipt_url))
    return [
        Difference(
            "receipt not recorded here",
            payment.session_id,
            str(payment.posting_id),
            "reported (dry run)" if dry_run else "recorded",
            Kind.DOCUMENT_NOT_RECORDED,
        )
    ]


def compare_disputes(payment, charge, dry_run):
    """A disputed charge whose dispute is not recorded here, or recorded in another state
    (its events lost): each dispute Stripe lists for the charge is applied as its events
    would apply it. A charge whose disputes are all recorded closed is not asked about."""
    if not charge.disputed:
        return []
    ours = dict(
        Dispute.objects.filter(charge_id=charge.id).values_list("stripe_dispute_id", "status")
    )
    if ours and not any(status in Dispute.OPEN for status in ours.values()):
        return []
    at_stripe = call(
        lambda stripe_api: stripe_api.v1.disputes.list(params={"charge": charge.id, "limit": 100})
    )
    found = []
    for dispute in at_stripe.data:
        here = ours.get(dispute.id)
        if here == dispute.status:
            continue
        action = "applied"
        if (
            not dry_run
            and _attempt(None, disputes.apply_dispute, dispute, by=Actor.system()) is None
        ):
            action = "not applied: see the log"
        found.append(
            Difference(
                f"dispute {dispute.status} at Stripe, {here or 'unknown'} here",
                payment.session_id,
                str(payment.posting_id),
                "reported (dry run)" if dry_run else action,
                Kind.DISPUTE_NOT_APPLIED,
            )
        )
    return found


def _fraud_warnings_not_seen_here(dry_run):
    """The early fraud warnings Stripe raised within the lookback (one list, a hundred a
    request) against ours: a warning on one of our payments with no FraudWarning row here
    (its event lost, or handled before the payment was recorded here) is handled as its
    event would be (wizard.payments.fraud_warnings: refunded if actionable)."""
    since = int((timezone.now() - timedelta(days=settings.RECONCILE_LOOKBACK_DAYS)).timestamp())
    warnings = call(
        lambda stripe_api: stripe_api.v1.radar.early_fraud_warnings.list(
            params={"created": {"gte": since}, "limit": 100}
        )
    )
    listed = list(warnings.auto_paging_iter())
    known = set(
        FraudWarning.objects.filter(stripe_id__in=[w.id for w in listed]).values_list(
            "stripe_id", flat=True
        )
    )
    found = []
    for warning in listed:
        intent = warning.payment_intent
        intent = intent if isinstance(intent, str) or intent is None else intent.id
        payment = (
            PaymentAttempt.objects.filter(payment_intent_id=intent).first() if intent else None
        )
        if warning.id in known or payment is None:
            continue  # handled, or not on a payment of ours (yet: the next run looks again)
        action = "handled as its event would be"
        if not dry_run:
            handled = _attempt(False, fraud_warnings.handle_warning, warning.id, by=Actor.system())
            if handled is False:
                action = "not handled: Stripe is unavailable, will retry"
            elif handled is not None:
                action = handled.action
        found.append(
            Difference(
                f"early fraud warning {warning.id} not seen here",
                payment.session_id,
                str(payment.posting_id),
                action,
                Kind.FRAUD_WARNING_NOT_SEEN,
            )
        )
    return found


def _invoices_not_recorded(dry_run):
    """Checkout's paid invoices of the lookback (one list, a hundred a request) against the
    payments they were made for (one query): an invoice whose pages a payment lacks (its
    events lost, or finalised after the payment was recorded) is recorded
    (wizard.payments.documents)."""
    since = int((timezone.now() - timedelta(days=settings.RECONCILE_LOOKBACK_DAYS)).timestamp())
    invoices = call(
        lambda stripe_api: stripe_api.v1.invoices.list(
            params={"status": "paid", "created": {"gte": since}, "limit": 100}
        )
    )
    listed = list(invoices.auto_paging_iter())
    ours = documents.attempts_of_invoices(listed)
    found = []
    for invoice in listed:
        payment = ours.get(invoice.id)
        pages = documents.Documents.from_stripe(invoice)
        settled = payment is not None and (payment.is_paid or payment.is_settled)
        if not settled or not documents.apply(payment, pages):
            # not ours; its payment not recorded yet (fulfilment records the invoice with
            # it; a free payment, settled without a PaymentIntent, counts as recorded); or
            # recorded already (apply changes only the copy in hand)
            continue
        if not dry_run:
            documents.record(payment.pk, pages)
        found.append(
            Difference(
                f"invoice {invoice.number or invoice.id} not recorded here",
                payment.session_id,
                str(payment.posting_id),
                "reported (dry run)" if dry_run else "recorded",
                Kind.DOCUMENT_NOT_RECORDED,
            )
        )
    return found


# What is compared for each paid payment's charge; each returns its Differences.
CHARGE_CHECKS = [compare_refunds, compare_disputes, compare_receipt]


def _amounts_not_adding_up(dry_run):
    """Paid attempts breaking the money invariant (wizard.payments.money_invariant):
    reported, never changed."""
    since = timezone.now() - timedelta(days=settings.RECONCILE_LOOKBACK_DAYS)
    return [
        Difference(
            money_invariant.what(attempt),
            attempt.session_id,
            str(attempt.posting_id),
            "reported",
            Kind.AMOUNT_NOT_ADDING_UP,
        )
        for attempt in money_invariant.broken(since)
    ]


PASSES = [
    ("payments at Stripe", _paid_at_stripe_not_here),
    ("expired sessions", _expired_at_stripe_awaiting_here),
    ("sessions of postings awaiting payment", _paid_session_of_awaiting_posting),
    ("delayed payments", _delayed_payments),
    ("charges of paid payments", _charges_of_paid_payments),
    ("early fraud warnings", _fraud_warnings_not_seen_here),
    ("invoices", _invoices_not_recorded),
    ("pending refunds", _pending_refunds),
    ("the money invariant", _amounts_not_adding_up),
]


def _attempt(failed, repair, *args, **kwargs):
    """Run one repair, returning `failed` when Stripe is down: it must not stop the others."""
    try:
        return repair(*args, **kwargs)
    except PaymentError as exc:
        logger.warning("reconcile: repair failed, will retry next run: %s", exc)
        return failed

"""What opens a posting's admin page: the job as the board will show it, its payment and
the employer's ledger, so that staff review a job before its database row (the raw
fields follow, folded, in wizard.admin.postings)."""

from dataclasses import dataclass

from django.conf import settings

from wizard.flow.ledger import Ledger
from wizard.flow.order import FLOW
from wizard.postings.business import business_of, checks_of

STRIPE_API = "https://api.stripe.com"


def stripe_dashboard_url(payment_intent_id):
    """The payment in Stripe's dashboard, or None with the local emulator (no dashboard)."""
    if not payment_intent_id or settings.STRIPE_API_BASE != STRIPE_API:
        return None
    live = settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
    return f"https://dashboard.stripe.com/{'' if live else 'test/'}payments/{payment_intent_id}"


@dataclass
class Payment:
    amount: str
    method: str
    state: str
    paid_at: object
    session_id: str
    payment_intent_id: str
    dashboard_url: str | None
    refunded: str


def payment(posting):
    attempt = posting.current_attempt
    if attempt is None:
        return None
    return Payment(
        amount=attempt.charged_display,
        method=(
            "none: a promotion code paid it all, nothing was charged"
            if attempt.is_free
            else (attempt.payment_method_type or "").replace("_", " ") or "not known yet"
        ),
        state=attempt.get_state_display(),
        paid_at=attempt.paid_at,
        session_id=attempt.session_id,
        payment_intent_id=attempt.payment_intent_id or "",
        dashboard_url=stripe_dashboard_url(attempt.payment_intent_id),
        refunded=attempt.amount_refunded_display if attempt.amount_refunded else "",
    )


def review_context(posting):
    """The review panel's context for the posting's change page."""
    return {
        "payment": payment(posting),
        "ledger_entries": Ledger(posting, FLOW).entries if posting.is_paid else [],
        # The business's VAT facts (wizard.flow.steps.business) and every registry answer.
        "vat": business_of(posting),
        "vat_checks": checks_of(posting),
    }

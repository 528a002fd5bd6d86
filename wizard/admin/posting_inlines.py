"""What happened to a posting, shown on its admin page as read-only tables: the transition
log, the side effects it is owed, its refunds, its early fraud warnings and its Stripe events."""

from django.contrib import admin
from django.utils.html import format_html

from wizard.admin import later_refunds
from wizard.jobs.models import Job
from wizard.payments.chargebacks import Dispute, FraudWarning
from wizard.payments.models import PaymentAttempt, Refund
from wizard.payments.webhook_events import StripeEvent
from wizard.postings.models import TransitionLog, status_label
from wizard.postings.money import money


class ReadOnlyInline(admin.TabularInline):
    """A record of what happened: shown on the posting, never edited there."""

    extra = 0
    can_delete = False
    classes = ["collapse"]
    # Django's tabular inline, with every column header named and its scrolling wrapper
    # reachable by keyboard (axe: empty-table-header, scrollable-region-focusable).
    template = "admin/wizard/edit_inline/tabular_record.html"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class TransitionLogInline(ReadOnlyInline):
    model = TransitionLog
    classes = []  # the posting's history stays open; the other records are folded
    fields = ["at", "from_status", "to_status", "transition", "actor", "user", "reason"]

    @admin.display(description="From")
    def from_status(self, entry):
        return status_label(entry.source)

    @admin.display(description="To")
    def to_status(self, entry):
        return status_label(entry.target)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = [
        "created_at",
        "amount_display",
        "reason",
        "state",
        "stripe_refund_id",
        "payment_intent_id",
        "requested_by",
        "error",
    ]


class DisputeInline(ReadOnlyInline):
    """Disputes of the posting's payments, as Stripe last reported them; staff answer them
    in Stripe's dashboard (the link), before the evidence deadline."""

    model = Dispute
    fields = [
        "opened_at",
        "amount_display",
        "reason",
        "dispute_status",
        "evidence_due_by",
        "withdrawn",
        "reinstated",
        "posting_status_before",
        "closed_at",
        "at_stripe",
    ]

    @admin.display(description="Status")
    def dispute_status(self, dispute):
        return dispute.status_label

    @admin.display(description="Funds withdrawn")
    def withdrawn(self, dispute):
        return money(dispute.funds_withdrawn, dispute.currency)

    @admin.display(description="Funds reinstated")
    def reinstated(self, dispute):
        return money(dispute.funds_reinstated, dispute.currency)

    @admin.display(description="At Stripe")
    def at_stripe(self, dispute):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{} in Stripe\'s dashboard</a>',
            dispute.dashboard_url,
            dispute.stripe_dispute_id,
        )


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fk_name = "posting"
    fields = [
        "number",
        "purpose",
        "state",
        "paid",
        "amount_refunded_display",
        "session_id",
        "payment_intent_id",
        "customer_id",
        "payment_method_type",
        "opened_at",
        "paid_at",
        "closed_at",
        "note",
        "refund_later_payment",
    ]

    @admin.display(description="Amount")
    def paid(self, attempt):
        """What was charged, and how: the list price, a promotion code's discount, the tax."""
        return attempt.charged_display

    @admin.display(description="Refund")
    def refund_later_payment(self, attempt):
        return later_refunds.refund_link(attempt)


class FraudWarningInline(ReadOnlyInline):
    """Early fraud warnings on the posting's payments, and what was done about each."""

    model = FraudWarning
    fields = ["created_at", "stripe_id", "fraud_type", "actionable", "charge_id", "action"]


class EffectInline(ReadOnlyInline):
    model = Job
    fields = [
        "kind",
        "name",
        "target",
        "state",
        "attempts",
        "provider_id",
        "sent_at",
        "delivered_at",
        "last_error",
    ]


class StripeEventInline(ReadOnlyInline):
    model = StripeEvent
    fields = ["received_at", "event_id", "type", "state", "job"]  # the job: its processing
    show_change_link = True

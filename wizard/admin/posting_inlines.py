"""What happened to a posting, shown on its admin page as read-only tables: the transition
log, the side effects it is owed, its refunds and its Stripe events."""

from django.contrib import admin

from wizard.jobs.models import Job
from wizard.payments.models import PaymentAttempt, Refund, StripeEvent
from wizard.postings.models import TransitionLog


class ReadOnlyInline(admin.TabularInline):
    """A record of what happened: shown on the posting, never edited there."""

    extra = 0
    can_delete = False
    # Django's tabular inline, with every column header named and its scrolling wrapper
    # reachable by keyboard (axe: empty-table-header, scrollable-region-focusable).
    template = "admin/wizard/edit_inline/tabular_record.html"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class TransitionLogInline(ReadOnlyInline):
    model = TransitionLog
    fields = ["at", "source", "target", "transition", "actor", "user", "reason"]


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


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fk_name = "posting"
    fields = [
        "number",
        "state",
        "amount_display",
        "session_id",
        "payment_intent_id",
        "payment_method_type",
        "opened_at",
        "paid_at",
        "closed_at",
        "note",
    ]


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

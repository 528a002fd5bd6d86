"""Staff screens for refunds and the stored Stripe webhook events."""

from django.contrib import admin, messages

from wizard.payments.models import Refund, StripeEvent
from wizard.payments.webhooks import reprocess


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = [
        "payment_intent_id",
        "posting",
        "amount_display",
        "reason",
        "state",
        "created_at",
    ]
    list_filter = ["state", "reason"]
    search_fields = ["payment_intent_id", "checkout_session_id", "posting__id"]
    readonly_fields = [f.name for f in Refund._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("attention", "Needs attention (failing or failed)"),
            ("failed", "Failed (given up)"),
            ("waiting", "Not processed yet"),
            ("processed", "Processed"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "attention":
            return queryset.needing_attention()
        if self.value() == "failed":
            return queryset.failed()
        if self.value() == "waiting":
            return queryset.filter(processed_at=None, failed_at=None)
        if self.value() == "processed":
            return queryset.exclude(processed_at=None)
        return queryset


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = [
        "event_id",
        "type",
        "received_at",
        "state",
        "attempts",
        "next_attempt_at",
        "processed_at",
        "error",
    ]
    list_filter = [EventStateFilter, "type", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id"]
    readonly_fields = [
        "event_id",
        "type",
        "payload",
        "body",
        "received_at",
        "processed_at",
        "error",
        "attempts",
        "next_attempt_at",
        "started_at",
        "failed_at",
        "task_id",
    ]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="State")
    def state(self, event):
        return event.state

    @admin.action(description="Reprocess selected events", permissions=["change"])
    def reprocess(self, request, queryset):
        outcomes = {event.event_id: reprocess(event.pk) for event in queryset}
        failed = [event_id for event_id, outcome in outcomes.items() if outcome == "failed"]
        retrying = [
            event_id for event_id, outcome in outcomes.items() if outcome == "retry scheduled"
        ]
        busy = [event_id for event_id, outcome in outcomes.items() if outcome == "busy"]
        if failed:
            self.message_user(request, f"Failed again: {', '.join(failed)}", messages.ERROR)
        if retrying:
            self.message_user(
                request,
                f"Failed again, retry scheduled: {', '.join(retrying)}",
                messages.WARNING,
            )
        if busy:
            self.message_user(
                request, f"Being processed right now: {', '.join(busy)}", messages.WARNING
            )
        done = len(outcomes) - len(failed) - len(retrying) - len(busy)
        self.message_user(request, f"Reprocessed {done} event(s).")

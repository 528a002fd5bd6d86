"""Staff screens for refunds and the stored Stripe webhook events."""

from django.contrib import admin, messages

from wizard.payments.models import Refund, StripeEvent
from wizard.payments.webhooks import process


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


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "error"]
    list_filter = ["type", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id"]
    readonly_fields = ["event_id", "type", "payload", "received_at", "processed_at", "error"]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Reprocess selected events")
    def reprocess(self, request, queryset):
        failed = [event.event_id for event in queryset if process(event).status_code >= 500]
        if failed:
            self.message_user(request, f"Failed again: {', '.join(failed)}", messages.ERROR)
        self.message_user(request, f"Reprocessed {queryset.count() - len(failed)} event(s).")

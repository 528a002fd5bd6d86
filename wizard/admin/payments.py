"""Staff screens for refunds and the stored Stripe webhook events."""

from django.contrib import admin

from wizard.jobs import runner
from wizard.jobs.models import Job
from wizard.payments.models import Refund
from wizard.payments.webhook_events import StripeEvent


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
        match self.value():
            case "attention":
                return queryset.needing_attention()
            case "failed":
                return queryset.failed()
            case "waiting":
                return queryset.pending()
            case "processed":
                return queryset.processed()
        return queryset


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    """The stored events; each one's processing is its job (also in the jobs' screen)."""

    list_display = [
        "event_id",
        "type",
        "received_at",
        "state",
        "job_attempts",
        "job_next_attempt_at",
        "job_processed_at",
        "job_error",
    ]
    list_filter = [EventStateFilter, "type"]
    list_select_related = ["job"]
    search_fields = ["event_id"]
    fields = ["event_id", "type", "posting", "received_at", "job", "payload", "body"]
    readonly_fields = fields
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="State")
    def state(self, event):
        return event.state

    # Named apart from the event's old columns of the same meaning (kept for the previous
    # release), which a column of that name would show.
    @admin.display(description="Attempts")
    def job_attempts(self, event):
        return event.job.attempts if event.job else 0

    @admin.display(description="Next attempt")
    def job_next_attempt_at(self, event):
        return event.job.next_attempt_at if event.job and event.job.in_flight else None

    @admin.display(description="Processed")
    def job_processed_at(self, event):
        return event.job.sent_at if event.job else None

    @admin.display(description="Error")
    def job_error(self, event):
        return event.job.last_error if event.job else ""

    @admin.action(description="Process selected events again", permissions=["change"])
    def reprocess(self, request, queryset):
        """Run again, as staff do any job: each event's job is queued (handlers are
        idempotent; one being attempted right now is left to finish)."""
        count = runner.retry(Job.objects.filter(stripe_event__in=queryset))
        self.message_user(request, f"Queued {count} event(s) for processing again.")

from django.contrib import admin

from .models import JobPosting, StripeEvent, TransitionLog


class TransitionLogInline(admin.TabularInline):
    model = TransitionLog
    fields = ["at", "source", "target", "transition", "actor", "user", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company_name", "status", "contact_email", "created_at", "paid_at"]
    list_filter = ["status", "employment_type", "remote"]
    search_fields = ["id", "title", "company_name", "contact_email", "checkout_session_id", "payment_intent_id"]
    date_hierarchy = "created_at"
    inlines = [TransitionLogInline]
    readonly_fields = [
        "id",
        "status",
        "price_amount",
        "price_currency",
        "payment_attempt",
        "checkout_expires_at",
        "checkout_session_id",
        "payment_intent_id",
        "created_at",
        "updated_at",
        "paid_at",
        "confirmed_at",
        "last_error_message",
        "last_error_detail",
        "last_error_at",
    ]
    fieldsets = [
        (None, {"fields": ["id", "status"]}),
        (
            "Posting",
            {
                "fields": [
                    "company_name", "logo", "title", "location", "remote", "employment_type",
                    ("salary_min", "salary_max", "salary_currency"), "description",
                    "apply_url", "apply_email", "contact_email",
                ]
            },
        ),
        (
            "Payment",
            {
                "fields": [
                    ("price_amount", "price_currency"), "payment_attempt", "checkout_expires_at",
                    "checkout_session_id", "payment_intent_id",
                ]
            },
        ),
        ("Timeline", {"fields": ["created_at", "updated_at", "paid_at", "confirmed_at"]}),
        ("Last error", {"fields": ["last_error_message", "last_error_detail", "last_error_at"]}),
    ]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "error"]
    list_filter = ["type"]
    search_fields = ["event_id"]
    readonly_fields = ["event_id", "type", "payload", "received_at", "processed_at", "error"]

    def has_add_permission(self, request):
        return False

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from .models import REFUNDABLE, Actor, JobPosting, Refund, StripeEvent, TransitionLog
from .payments import refunds
from .payments.exceptions import PaymentError
from .payments.webhooks import process


class TransitionLogInline(admin.TabularInline):
    model = TransitionLog
    fields = ["at", "source", "target", "transition", "actor", "user", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
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
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RefundForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Kept with the refund and in the posting's log.",
    )


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company_name", "status", "contact_email", "created_at", "paid_at"]
    list_filter = ["status", "employment_type", "remote"]
    search_fields = [
        "id",
        "title",
        "company_name",
        "contact_email",
        "checkout_session_id",
        "payment_intent_id",
    ]
    date_hierarchy = "created_at"
    inlines = [TransitionLogInline, RefundInline]
    actions = ["refund_payments"]
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
        "refunded_at",
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
                    "company_name",
                    "logo",
                    "title",
                    "location",
                    "remote",
                    "employment_type",
                    ("salary_min", "salary_max", "salary_currency"),
                    "description",
                    "apply_url",
                    "apply_email",
                    "contact_email",
                ]
            },
        ),
        (
            "Payment",
            {
                "fields": [
                    ("price_amount", "price_currency"),
                    "payment_attempt",
                    "checkout_expires_at",
                    "checkout_session_id",
                    "payment_intent_id",
                ]
            },
        ),
        (
            "Timeline",
            {"fields": ["created_at", "updated_at", "paid_at", "confirmed_at", "refunded_at"]},
        ),
        ("Last error", {"fields": ["last_error_message", "last_error_detail", "last_error_at"]}),
    ]

    @admin.action(description="Refund the payment of selected postings…")
    def refund_payments(self, request, queryset):
        """Ask for a reason on a confirmation page, then refund through the payments service."""
        if not request.user.has_perm("wizard.refund_posting"):
            raise PermissionDenied
        refundable = queryset.filter(status__in=REFUNDABLE).exclude(payment_intent_id="")
        form = RefundForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "admin/wizard/refund_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Refund payments",
                    "opts": self.model._meta,
                    "postings": refundable,
                    "skipped": queryset.exclude(pk__in=refundable.values("pk")),
                    "form": form,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                },
            )
        done = 0
        for posting in refundable:
            try:
                refunds.refund(
                    posting,
                    refunds.Refund.Reason.STAFF,
                    by=Actor.staff(request.user),
                    note=form.cleaned_data["reason"],
                )
                done += 1
            except PaymentError as exc:
                self.message_user(request, f"{posting}: {exc.message} ({exc})", messages.ERROR)
        self.message_user(request, f"Refunded {done} posting(s).", messages.SUCCESS)
        return None


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

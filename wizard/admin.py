from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone

from .mailing import queue_email
from .models import (
    REFUNDABLE,
    Actor,
    EmailRecord,
    JobPosting,
    Refund,
    Status,
    StripeEvent,
    TransitionLog,
)
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


class EmailRecordInline(admin.TabularInline):
    model = EmailRecord
    fields = [
        "kind",
        "to",
        "state",
        "attempts",
        "esp_message_id",
        "sent_at",
        "delivered_at",
        "last_error",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("email", "Email failed or bounced"), ("stuck", "Stuck past its threshold")]

    def queryset(self, request, queryset):
        if self.value() == "email":
            return queryset.filter(emails__state__in=EmailRecord.NEEDS_ATTENTION).distinct()
        if self.value() == "stuck":
            stuck_before = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)
            return queryset.filter(status=Status.PAID, updated_at__lt=stuck_before)
        return queryset


class RefundForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Kept with the refund and in the posting's log.",
    )


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company_name", "status", "contact_email", "created_at", "paid_at"]
    list_filter = [NeedsAttentionFilter, "status", "employment_type", "remote"]
    search_fields = [
        "id",
        "title",
        "company_name",
        "contact_email",
        "checkout_session_id",
        "payment_intent_id",
    ]
    date_hierarchy = "created_at"
    inlines = [TransitionLogInline, EmailRecordInline, RefundInline]
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


@admin.register(EmailRecord)
class EmailRecordAdmin(admin.ModelAdmin):
    list_display = ["posting", "kind", "to", "state", "attempts", "sent_at", "updated_at"]
    list_filter = [("state", admin.ChoicesFieldListFilter), "kind"]
    list_select_related = ["posting"]
    search_fields = ["to", "esp_message_id", "posting__id", "posting__title"]
    readonly_fields = [f.name for f in EmailRecord._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send selected emails again")
    def resend(self, request, queryset):
        with transaction.atomic():
            for record in queryset.select_related("posting"):
                queue_email(record.posting, record.kind)
        self.message_user(request, f"Queued {queryset.count()} email(s) again.", messages.SUCCESS)


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

"""Staff screens for postings: the list (the review queue, filters, what needs attention)
and each posting's page (its editable content, what the system recorded, and the records
of what happened). The filters are in posting_filters, the records' tables in
posting_inlines, the review transitions and bulk actions in posting_review."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html

from wizard.admin.posting_filters import (
    AgeFilter,
    GaveUpFilter,
    NeedsAttentionFilter,
    QueueFilter,
    ReachedFilter,
    StatusFilter,
)
from wizard.admin.posting_inlines import (
    DisputeInline,
    EffectInline,
    FraudWarningInline,
    PaymentAttemptInline,
    RefundInline,
    StripeEventInline,
    TransitionLogInline,
)
from wizard.admin.posting_review import ReviewActions
from wizard.payments.models import Dispute
from wizard.postings import attention, markdown
from wizard.postings.models import JobPosting


@admin.register(JobPosting)
class JobPostingAdmin(ReviewActions, admin.ModelAdmin):
    list_display = ["__str__", "company_name", "status_label", "attention", "created_at", "paid_at"]
    list_filter = [
        QueueFilter,
        NeedsAttentionFilter,
        StatusFilter,
        AgeFilter,
        ReachedFilter,
        GaveUpFilter,
        "employment_type",
        "workplace",
    ]
    search_fields = [
        "id",
        "title",
        "company_name",
        "contact_email",
        "payment_attempts__session_id",
        "payment_attempts__payment_intent_id",
    ]
    date_hierarchy = "created_at"
    inlines = [
        TransitionLogInline,
        PaymentAttemptInline,
        EffectInline,
        RefundInline,
        FraudWarningInline,
        DisputeInline,
        StripeEventInline,
    ]
    change_form_template = "admin/wizard/jobposting/change_form.html"
    # What the system records is shown, never edited: payment data above all.
    RECORDED = {
        None: ["id", "status", "slug", "step_data"],
        "Payment": ["current_attempt"],
        "Timeline": [
            "created_at",
            "updated_at",
            "paid_at",
            "confirmed_at",
            "published_at",
            "expires_at",
            "refunded_at",
            "rejection_reason",
        ],
        "Last error": ["last_error_message", "last_error_detail", "last_error_at"],
    }
    EDITABLE = [
        "company_name",
        ("logo", "logo_preview"),
        "title",
        "workplace",
        ("city", "region", "country"),
        "applicant_countries",
        "employment_type",
        ("salary_min", "salary_max", "salary_currency"),
        "description",
        "description_preview",
        "apply_url",
        "apply_email",
        "contact_email",
    ]
    fieldsets = [
        (None, {"fields": RECORDED[None]}),
        ("Posting", {"fields": EDITABLE}),
        *((title, {"fields": fields}) for title, fields in RECORDED.items() if title),
    ]
    readonly_fields = [
        *(
            name
            for fields in RECORDED.values()
            for entry in fields
            for name in (entry if isinstance(entry, tuple) else (entry,))
        ),
        "logo_preview",
        "description_preview",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "logo":
            # The admin groups a file input's parts in a fieldset whose legend ("Logo") is
            # no label for the input itself (axe: label): name it.
            field.widget.attrs.setdefault("aria-label", "Logo file")
        return field

    @admin.display(description="Preview")
    def logo_preview(self, posting):
        if not posting.logo:
            return "No logo"
        return format_html(
            '<img src="{}" alt="Logo of {}" height="96">',  # no inline style: CSP
            posting.logo.url,
            posting.company_name or "the company",
        )

    @admin.display(description="As shown on the board")
    def description_preview(self, posting):
        """The description as readers will see it (sanitised HTML), links included: review
        what the Markdown makes of it, not only what was typed."""
        return markdown.render_html(posting.description) or "—"

    def get_queryset(self, request):
        # The earliest evidence deadline of its open disputes, shown with the reason.
        due = Dispute.objects.filter(posting=OuterRef("pk"), status__in=Dispute.NEEDS_RESPONSE)
        due = due.order_by("evidence_due_by").values("evidence_due_by")[:1]
        return (
            super().get_queryset(request).with_attention().annotate(evidence_due_by=Subquery(due))
        )

    def changelist_view(self, request, extra_context=None):
        if QueueFilter.shows_queue(request):
            extra_context = {
                **(extra_context or {}),
                "title": "Postings to review",
                "subtitle": "Longest waiting first",
            }
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        """The queue is worked through in the order employers paid."""
        if QueueFilter.shows_queue(request) and ORDER_VAR not in request.GET:
            return ["paid_at"]
        return super().get_ordering(request)

    @admin.display(description="Status", ordering="status")
    def status_label(self, posting):
        return posting.status_label

    @admin.display(description="Needs attention", ordering="-needs_attention")
    def attention(self, posting):
        """Only the postings that need something are marked; a healthy one shows nothing."""
        if not posting.needs_attention:
            return ""
        reasons = [
            self._attention_label(posting, name, label)
            for name, label in attention.reasons()
            if getattr(posting, f"attention_{name}")
        ]
        return "⚠ " + "; ".join(reasons)

    @staticmethod
    def _attention_label(posting, name, label):
        """A reason's label; a dispute's with its evidence deadline."""
        due = getattr(posting, "evidence_due_by", None)
        if name == "dispute" and due is not None:
            return f"{label}: evidence due by {due:%d %b %Y %H:%M} UTC"
        return label

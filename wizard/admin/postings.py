"""Staff screens for postings: the list (the review queue, filters, what needs attention)
and each posting's page (the job as the board will show it, its payment and ledger, then
folded: its editable content, what the system recorded, and the records of what
happened). The filters are in posting_filters, the records' tables in posting_inlines,
the review transitions and bulk actions in posting_review, the page's opening part in
posting_page, an employer's edit of a live posting (its diff, approve, reject) in
revision_review. A posting is found by its short reference as well as by its text."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from wizard.admin.dashboard_parts import age
from wizard.admin.posting_filters import (
    GaveUpFilter,
    NeedsAttentionFilter,
    PaidFilter,
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
from wizard.admin.posting_numbers import PostingNumbers
from wizard.admin.posting_page import review_context
from wizard.admin.posting_review import ReviewActions
from wizard.admin.revision_review import RevisionInline, RevisionReview
from wizard.dashboard.numbers import entered_review
from wizard.payments.chargebacks import Dispute
from wizard.postings import attention, markdown, reference
from wizard.postings.models import JobPosting, Status
from wizard.postings.money import money
from wizard.postings.numbers import with_numbers


@admin.register(JobPosting)
class JobPostingAdmin(RevisionReview, ReviewActions, PostingNumbers, admin.ModelAdmin):
    list_display = [
        "reference",
        "job",
        "status_label",
        "waiting",
        "paid",
        "views_total",
        "apply_clicks_total",
        "row_actions",
    ]
    list_display_links = ["reference"]
    list_filter = [
        QueueFilter,
        NeedsAttentionFilter,
        StatusFilter,
        PaidFilter,
        ("created_at", admin.DateFieldListFilter),
        ReachedFilter,
        GaveUpFilter,
    ]
    search_fields = [
        "id",
        "title",
        "company_name",
        "contact_email",
        "payment_attempts__session_id",
        "payment_attempts__payment_intent_id",
    ]
    inlines = [
        TransitionLogInline,
        RevisionInline,
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
        "Record": ["id", "status_in_words", "slug", "step_data"],
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
    # Below the review panel (posting_page), folded: the raw fields are for when the
    # job as shown is not enough.
    fieldsets = [
        ("Edit the posting", {"fields": EDITABLE, "classes": ["collapse"]}),
        *(
            (title, {"fields": fields, "classes": ["collapse"]})
            for title, fields in RECORDED.items()
        ),
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

    def has_add_permission(self, request):
        """Postings are made by employers in the wizard, never in the admin."""
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "logo":
            # The admin groups a file input's parts in a fieldset whose legend ("Logo") is
            # no label for the input itself (axe: label): name it.
            field.widget.attrs.setdefault("aria-label", "Logo file")
        return field

    @admin.display(description="Status")
    def status_in_words(self, posting):
        return posting.status_label

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
        postings = (
            super()
            .get_queryset(request)
            .select_related("current_attempt")
            .with_attention()
            .annotate(evidence_due_by=Subquery(due), entered_review_at=entered_review())
        )
        return with_numbers(postings)

    def get_search_results(self, request, queryset, search_term):
        """Text search, and a typed reference ("JW-7K3F9QA") finds its posting."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        bounds = reference.id_range(search_term)
        if bounds is not None:
            found |= queryset.filter(pk__range=bounds)
        return found, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        posting = self.get_object(request, object_id)
        if posting is not None:
            extra_context = {
                **(extra_context or {}),
                **review_context(posting),
                "review_transitions": self.staff_transitions(posting, request.user),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if QueueFilter.shows_queue(request):
            extra_context = {
                **(extra_context or {}),
                "title": "Postings to review",
                "subtitle": "Longest waiting first",
            }
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        """The queue is worked through longest waiting first."""
        if QueueFilter.shows_queue(request) and ORDER_VAR not in request.GET:
            return [entered_review().asc()]
        return super().get_ordering(request)

    @admin.display(description="Reference")
    def reference(self, posting):
        return posting.reference

    @admin.display(description="Job", ordering="title")
    def job(self, posting):
        """The title on one line (cut with an ellipsis by the stylesheet), the company under."""
        return format_html(
            '<span class="jw-job-title" title="{}">{}</span><span class="jw-job-company">{}</span>',
            posting.title,
            posting.title or "Untitled posting",
            posting.company_name,
        )

    @admin.display(description="Status", ordering="status")
    def status_label(self, posting):
        """The status in words, and what needs attention under it."""
        reasons = self.attention_reasons(posting)
        if not reasons:
            return posting.status_label
        more = f" and {len(reasons) - 1} more" if len(reasons) > 1 else ""
        return format_html(
            '{}<span class="jw-attention" title="{}">⚠ {}{}</span>',
            posting.status_label,
            "; ".join(reasons),
            reasons[0],
            more,
        )

    @admin.display(description="Waiting", ordering="entered_review_at")
    def waiting(self, posting):
        """How long a posting in review has waited for a decision."""
        if posting.status != Status.IN_REVIEW or posting.entered_review_at is None:
            return ""
        return age(posting.entered_review_at, timezone.now())

    @admin.display(description="Paid", ordering="paid_at")
    def paid(self, posting):
        attempt = posting.current_attempt
        if posting.paid_at is None or attempt is None or attempt.paid_at is None:
            return ""
        return money(attempt.amount, attempt.currency)

    @admin.display(description="Actions")
    def row_actions(self, posting):
        """Approve and Reject for a posting in review (each asks to confirm; Reject for
        a reason), Open for any."""
        change = reverse("admin:wizard_jobposting_change", args=[posting.pk])
        opened = format_html('<a class="jw-row-action" href="{}">Open</a>', change)
        if posting.status != Status.IN_REVIEW:
            return opened

        def transition(name):
            return reverse("admin:wizard_jobposting_transition", args=[posting.pk, name])

        return format_html(
            '<a class="jw-row-action jw-approve" href="{}?from=queue">Approve</a>'
            '<a class="jw-row-action jw-reject" href="{}?from=queue">Reject</a>{}',
            transition("approve"),
            transition("reject"),
            opened,
        )

    @admin.display(description="Needs attention", ordering="-needs_attention")
    def attention(self, posting):
        """Only the postings that need something are marked; a healthy one shows nothing."""
        reasons = self.attention_reasons(posting)
        return "⚠ " + "; ".join(reasons) if reasons else ""

    def attention_reasons(self, posting):
        if not posting.needs_attention:
            return []
        return [
            self._attention_label(posting, name, label)
            for name, label in attention.reasons()
            if getattr(posting, f"attention_{name}")
        ]

    @staticmethod
    def _attention_label(posting, name, label):
        """A reason's label; a dispute's with its evidence deadline."""
        due = getattr(posting, "evidence_due_by", None)
        if name == "dispute" and due is not None:
            return f"{label}: evidence due by {due:%d %b %Y %H:%M} UTC"
        return label

"""Staff screens for postings: review buttons and bulk actions, attention and age filters,
and what happened to each posting (transitions, side effects, refunds, Stripe events)."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import (
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    TO_FIELD_VAR,
)
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django_fsm import ConcurrentTransition, TransitionNotAllowed, has_transition_perm

from wizard.dashboard import funnel
from wizard.jobs import runner
from wizard.jobs.models import Job
from wizard.ops.logs import posting_context
from wizard.payments import refunds
from wizard.payments.exceptions import PaymentError
from wizard.payments.models import PaymentAttempt, Refund, StripeEvent
from wizard.postings import attention, markdown, review
from wizard.postings.models import (
    REFUND_PERMISSION,
    REVIEW_PERMISSION,
    Actor,
    JobPosting,
    TransitionLog,
    status_label,
)


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


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fk_name = "posting"
    fields = [
        "number",
        "state",
        "amount_display",
        "session_id",
        "payment_intent_id",
        "opened_at",
        "paid_at",
        "closed_at",
        "note",
    ]


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
    fields = ["received_at", "event_id", "type", "attempts", "processed_at", "failed_at", "error"]
    show_change_link = True


class QueueFilter(admin.SimpleListFilter):
    """The list opens on the review queue (paid postings waiting for a decision, the
    longest-waiting first); any other filter or a search looks at every posting."""

    title = "queue"
    parameter_name = "queue"
    # What the list's URL may carry and still show the queue: paging, sorting, display.
    NOT_FILTERS = {PAGE_VAR, ORDER_VAR, IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR, ERROR_FLAG}

    @classmethod
    def shows_queue(cls, request):
        if chosen := request.GET.get(cls.parameter_name):
            return chosen == "review"
        return all(key in cls.NOT_FILTERS for key in request.GET)

    def __init__(self, request, params, model, model_admin):
        self.default = "review" if self.shows_queue(request) else "all"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("review", "To review"), ("all", "All postings")]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset.in_review() if self.value() == "review" else queryset


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("any", "Anything below"), *attention.reasons()]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.filter(needs_attention=True)
        if self.value() in dict(attention.reasons()):
            return queryset.filter(**{f"attention_{self.value()}": True})
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """Every status in use, by its label: the explicit ones and those the flow's steps declare."""

    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        values = JobPosting.objects.order_by("status").values_list("status", flat=True).distinct()
        return [(value, status_label(value)) for value in values]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    RANGES = {"day": (0, 1), "week": (1, 7), "month": (7, 30), "older": (30, None)}

    def lookups(self, request, model_admin):
        return [
            ("day", "Under a day"),
            ("week", "1 to 7 days"),
            ("month", "7 to 30 days"),
            ("older", "Over 30 days"),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.RANGES:
            return queryset
        youngest, oldest = self.RANGES[self.value()]
        now = timezone.now()
        queryset = queryset.filter(created_at__lte=now - timedelta(days=youngest))
        if oldest is not None:
            queryset = queryset.filter(created_at__gt=now - timedelta(days=oldest))
        return queryset


class ReachedFilter(admin.SimpleListFilter):
    """How far postings got: reached a stage of the funnel (wizard.dashboard.funnel), by
    the transition log or the status now. The dashboard's funnel links here."""

    title = "reached"
    parameter_name = "reached"

    def lookups(self, request, model_admin):
        # A switched-off step is left out here; the dashboard may still link to it.
        return [(stage.key, stage.label) for stage in funnel.stages()[1:] if not stage.switched_off]

    def queryset(self, request, queryset):
        stage = funnel.stage_named(self.value()) if self.value() else None
        return queryset.filter(stage.reached()) if stage is not None else queryset


class GaveUpFilter(admin.SimpleListFilter):
    """Drafts the employer gave up on (abandoned, or untouched for a day before payment),
    by the status they were left in. The dashboard's "where employers give up" links here."""

    title = "gave up at"
    parameter_name = "gave_up"

    def lookups(self, request, model_admin):
        # The statuses a draft is usually left in; the dashboard may link to others.
        return [
            ("any", "Anywhere"),
            *((point.status, point.label) for point in funnel.stopping_points() if point.usual),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "any":
            return queryset.filter(funnel.gave_up(now))
        if self.value():
            return queryset.filter(funnel.gave_up_at(self.value(), now))
        return queryset


PAST = {"approve": "Approved", "reject": "Rejected", "withdraw": "Withdrew"}


def pluralize_posting(count):
    return "posting" if count == 1 else "postings"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Kept in the posting's log; a rejection's reason is emailed to the employer.",
    )


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
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
        StripeEventInline,
    ]
    actions = ["approve_selected", "reject_selected", "refund_payments", "retry_failed_effects"]
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
        return super().get_queryset(request).with_attention()

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
            label for name, label in attention.reasons() if getattr(posting, f"attention_{name}")
        ]
        return "⚠ " + "; ".join(reasons)

    # --- Review transitions: buttons on the change page, each through wizard.review ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="wizard_jobposting_transition",
            ),
            *super().get_urls(),
        ]

    def staff_transitions(self, posting, user):
        """The review transitions the model allows from here and the user may make."""
        return [
            transition
            for transition in posting.get_available_user_status_transitions(user)
            if transition.name in review.STAFF_TRANSITIONS
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        posting = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "review_transitions": self.staff_transitions(posting, request.user) if posting else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request, object_id, name):
        posting = self.get_object(request, object_id)
        if posting is None or name not in review.STAFF_TRANSITIONS:
            raise Http404
        transition = next(
            (t for t in posting.get_available_status_transitions() if t.name == name), None
        )
        if transition is None:
            self.message_user(
                request,
                f"A posting that is {posting.status_label} cannot be {name}d.",
                messages.ERROR,
            )
            return redirect("admin:wizard_jobposting_change", posting.pk)
        if not has_transition_perm(getattr(posting, name), request.user):
            raise PermissionDenied
        needs_reason = transition.custom.get("needs_reason", False)
        form = ReasonForm(request.POST) if request.method == "POST" else ReasonForm()
        if request.method == "POST" and (form.is_valid() or not needs_reason):
            reason = form.cleaned_data.get("reason", "") if needs_reason else ""
            return self._apply(request, [posting], name, reason)
        return TemplateResponse(
            request,
            "admin/wizard/jobposting/transition.html",
            {
                **self.admin_site.each_context(request),
                "title": transition.custom["label"],
                "opts": self.model._meta,
                "original": posting,
                "transition": transition,
                "needs_reason": needs_reason,
                "form": form,
            },
        )

    def _apply(self, request, postings, name, reason):
        """Apply one review transition to each posting; report each outcome."""
        done = 0
        for posting in postings:
            try:
                with posting_context(posting.pk):
                    review.STAFF_TRANSITIONS[name](
                        posting.pk, by=Actor.staff(request.user), reason=reason
                    )
                done += 1
            except (TransitionNotAllowed, ConcurrentTransition):
                posting = JobPosting.objects.get(pk=posting.pk)
                self.message_user(
                    request,
                    f"{posting}: it is {posting.status_label} now, so it was left alone.",
                    messages.WARNING,
                )
        if done:
            self.message_user(
                request, f"{PAST[name]} {done} {pluralize_posting(done)}.", messages.SUCCESS
            )
        if len(postings) == 1:
            return redirect("admin:wizard_jobposting_change", postings[0].pk)
        return None

    def has_review_permission(self, request):
        return request.user.has_perm(REVIEW_PERMISSION)

    def has_refund_permission(self, request):
        return request.user.has_perm(REFUND_PERMISSION)

    def _bulk(self, request, queryset, name, needs_reason):
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if needs_reason and not form.is_valid():
            return TemplateResponse(
                request,
                "admin/wizard/jobposting/bulk_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": f"{name.title()} postings",
                    "opts": self.model._meta,
                    "action": request.POST["action"],
                    "postings": queryset,
                    "form": form,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                },
            )
        reason = form.cleaned_data["reason"] if needs_reason else ""
        self._apply(request, list(queryset), name, reason)
        return None

    @admin.action(description="Approve and publish selected postings", permissions=["review"])
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, "approve", False)

    @admin.action(description="Reject and refund selected postings…", permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, "reject", True)

    @admin.action(description="Refund the payment of selected postings…", permissions=["refund"])
    def refund_payments(self, request, queryset):
        """Ask for a reason on a confirmation page, then refund through the payments service."""
        selected = queryset.select_related("current_attempt")
        refundable = selected.filter(
            pk__in=[posting.pk for posting in selected if refunds.is_refundable(posting)]
        )
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
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
                with posting_context(posting.pk):
                    refunds.refund(
                        posting,
                        Refund.Reason.STAFF,
                        by=Actor.staff(request.user),
                        note=form.cleaned_data["reason"],
                    )
                done += 1
            except PaymentError as exc:
                self.message_user(request, f"{posting}: {exc.message} ({exc})", messages.ERROR)
        self.message_user(request, f"Refunded {done} {pluralize_posting(done)}.", messages.SUCCESS)
        return None

    @admin.action(description="Run their failed side effects again", permissions=["change"])
    def retry_failed_effects(self, request, queryset):
        failed = Job.objects.needing_attention().filter(posting__in=queryset)
        count = runner.retry(failed)
        self.message_user(request, f"Queued {count} side effect(s) again.", messages.SUCCESS)

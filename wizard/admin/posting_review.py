"""Staff's transitions of postings in the admin: the review buttons on a posting's page
(each behind a confirmation page, a reason where the transition asks for one), the bulk
actions of the list, the staff refund, and running failed side effects again. Every one
goes through the services the rest of the app uses (wizard.postings.review,
wizard.payments.refunds, wizard.jobs.runner) and needs its permission."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django_fsm import ConcurrentTransition, TransitionNotAllowed, has_transition_perm

from wizard.admin import later_refunds
from wizard.jobs import runner
from wizard.jobs.models import Job
from wizard.payments import refunds
from wizard.payments.exceptions import PaymentError
from wizard.payments.models import Refund
from wizard.postings import review
from wizard.postings.logcontext import posting_context
from wizard.postings.models import (
    REFUND_PERMISSION,
    REVIEW_PERMISSION,
    Actor,
    JobPosting,
)

PAST = {"approve": "Approved", "reject": "Rejected", "withdraw": "Withdrew"}


def pluralize_posting(count):
    return "posting" if count == 1 else "postings"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="Kept in the posting's log; a rejection's reason is emailed to the employer.",
    )


class RejectForm(forms.Form):
    """A rejection's reason from the list, and a note; the employer is emailed both."""

    reason = forms.ChoiceField(
        choices=review.REJECT_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the posting is rejected."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=200,  # with the reason's words, within the log's 255 characters
        required=False,
        label="Note to the employer (optional)",
        help_text="What they could change, or which posting it duplicates.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == "other" and not cleaned.get("note", "").strip():
            self.add_error("note", "Say why, when the reason is Other.")
        return cleaned

    @property
    def text(self):
        return review.rejection_text(self.cleaned_data["reason"], self.cleaned_data["note"])


def reason_form(name, data=None):
    """The form a transition asks for: a rejection's reason from the list, else free text."""
    return RejectForm(data) if name == "reject" else ReasonForm(data)


def reason_text(form):
    return form.text if isinstance(form, RejectForm) else form.cleaned_data["reason"]


class ReviewActions:
    """Mixed into the posting's ModelAdmin: the review transitions and the bulk actions."""

    actions = [
        "approve_selected",
        "reject_selected",
        "refund_payments",
        "retry_failed_effects",
        "release_vat_holds",
    ]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="wizard_jobposting_transition",
            ),
            path(
                "<path:object_id>/release-vat-hold/",
                self.admin_site.admin_view(self.release_vat_hold_view),
                name="wizard_jobposting_release_vat_hold",
            ),
            path(
                "<path:object_id>/payments/<int:attempt_id>/refund/",
                self.admin_site.admin_view(self.refund_later_payment_view),
                name="wizard_jobposting_refund_later_payment",
            ),
            *super().get_urls(),
        ]

    def refund_later_payment_view(self, request, object_id, attempt_id):
        return later_refunds.refund_later_payment_view(
            self, request, object_id, attempt_id, ReasonForm
        )

    def release_vat_hold_view(self, request, object_id):
        """The posting page's "Release the hold" button (POST, review permission)."""
        if request.method != "POST":
            raise Http404
        if not self.has_review_permission(request):
            raise PermissionDenied
        posting = self.get_object(request, object_id)
        if posting is None:
            raise Http404
        self.release_vat_holds(request, JobPosting.objects.filter(pk=posting.pk))
        return redirect("admin:wizard_jobposting_change", posting.pk)

    @admin.action(description="Release the VAT hold of selected postings", permissions=["review"])
    def release_vat_holds(self, request, queryset):
        """Publication held for a VAT number that proved invalid: staff looked, and let it be
        approved."""
        released = sum(
            review.release_hold(pk, by=request.user) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            f"Released the VAT hold of {released} {pluralize_posting(released)}: "
            "they may be approved now.",
            messages.SUCCESS,
        )

    def staff_transitions(self, posting, user):
        """The review transitions the model allows from here and the user may make."""
        return [
            transition
            for transition in posting.get_available_user_status_transitions(user)
            if transition.name in review.STAFF_TRANSITIONS
        ]

    def may_make(self, user, name):
        """Whether the user holds the permission of transition `name` from any state: asked
        before the posting is looked at, so that staff without it learn nothing of it."""
        transitions = getattr(JobPosting, name)._django_fsm.transitions.values()
        return any(transition.has_perm(None, user) for transition in transitions)

    def transition_view(self, request, object_id, name):
        if name not in review.STAFF_TRANSITIONS:
            raise Http404
        if not self.may_make(request.user, name):
            raise PermissionDenied
        posting = self.get_object(request, object_id)
        if posting is None:
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
        from_queue = request.GET.get("from", request.POST.get("from")) == "queue"
        form = reason_form(name, request.POST if request.method == "POST" else None)
        if request.method == "POST" and (not needs_reason or form.is_valid()):
            reason = reason_text(form) if needs_reason else ""
            return self._apply(request, [posting], name, reason, back_to_queue=from_queue)
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
                "from_queue": from_queue,
            },
        )

    def _apply(self, request, postings, name, reason, back_to_queue=False):
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
        if back_to_queue:
            return redirect("admin:wizard_jobposting_changelist")
        if len(postings) == 1:
            return redirect("admin:wizard_jobposting_change", postings[0].pk)
        return None

    def has_review_permission(self, request):
        return request.user.has_perm(REVIEW_PERMISSION)

    def has_refund_permission(self, request):
        return request.user.has_perm(REFUND_PERMISSION)

    def _bulk(self, request, queryset, name, needs_reason):
        form = reason_form(name, request.POST if "confirm" in request.POST else None)
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
        reason = reason_text(form) if needs_reason else ""
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
                    record = refunds.refund(
                        posting,
                        Refund.Reason.STAFF,
                        by=Actor.staff(request.user),
                        note=form.cleaned_data["reason"],
                    )
            except PaymentError as exc:
                self.message_user(request, f"{posting}: {exc.message} ({exc})", messages.ERROR)
                continue
            if record is None:
                self.message_user(
                    request,
                    f"{posting}: withdrawn without a refund, since a promotion code paid it "
                    "all and no money was taken (Stripe was not asked).",
                    messages.WARNING,
                )
            else:
                done += 1
        self.message_user(request, f"Refunded {done} {pluralize_posting(done)}.", messages.SUCCESS)
        return None

    @admin.action(description="Run their failed side effects again", permissions=["change"])
    def retry_failed_effects(self, request, queryset):
        failed = Job.objects.needing_attention().filter(posting__in=queryset)
        count = runner.retry(failed)
        self.message_user(request, f"Queued {count} side effect(s) again.", messages.SUCCESS)

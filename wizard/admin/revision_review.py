"""Staff decide an employer's edit of a live posting, on the posting's admin page: the
pending revision shown as a diff (wizard.admin.revision_diff), Approve (one press) and
Reject (with a reason the employer is emailed). Both need the review permission and go
through wizard.postings.revising, which applies a revision once however many press."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from wizard.admin.posting_inlines import ReadOnlyInline
from wizard.admin.revision_diff import changes
from wizard.postings import revising
from wizard.postings.logcontext import posting_context
from wizard.postings.models import REVIEW_PERMISSION, Actor
from wizard.postings.revisions import PostingRevision

DECISIONS = {"approve": "Approve the changes", "reject": "Reject the changes"}


class RevisionRejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        label="Why the changes cannot go live",
        help_text="Emailed to the employer: say what they could change.",
        error_messages={"required": "Say why the changes cannot go live: the employer reads it."},
    )


class RevisionInline(ReadOnlyInline):
    """Every edit the employer sent, and what became of it: the posting's edit history."""

    model = PostingRevision
    verbose_name = "edit by the employer"
    verbose_name_plural = "edits by the employer"
    fields = ["created_at", "updated_at", "employer", "state", "decided_at", "decided_by", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("employer", "decided_by")


def pending_revision(object_id):
    """The posting's pending revision, with its posting (one query), or None."""
    try:
        posting_id = uuid.UUID(str(object_id))
    except ValueError:
        return None
    found = PostingRevision.objects.pending().filter(posting_id=posting_id)
    return found.select_related("posting", "employer").first()


class RevisionReview:
    """Mixed into the posting's ModelAdmin: the edit's diff on its page, the decision, and
    the history of edits (RevisionInline, listed among the posting's records)."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revision/<int:revision_id>/<str:decision>/",
                self.admin_site.admin_view(self.revision_view),
                name="wizard_jobposting_revision",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = pending_revision(object_id)
        if revision is not None:
            extra_context = {
                **(extra_context or {}),
                "revision": revision,
                "revision_changes": changes(revision.posting, revision),
                "may_decide_revision": request.user.has_perm(REVIEW_PERMISSION),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def revision_view(self, request, object_id, revision_id, decision):
        if decision not in DECISIONS:
            raise Http404
        if not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        revision = pending_revision(object_id)
        back = redirect("admin:wizard_jobposting_change", object_id)
        if revision is None or revision.pk != revision_id:
            if not PostingRevision.objects.filter(pk=revision_id).exists():
                raise Http404
            self.message_user(
                request, "These changes were decided already: nothing was done.", messages.WARNING
            )
            return back
        form = RevisionRejectForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (decision == "approve" or form.is_valid()):
            return self._decide(request, revision, decision, form) or back
        return TemplateResponse(
            request,
            "admin/wizard/jobposting/revision_decision.html",
            {
                **self.admin_site.each_context(request),
                "title": DECISIONS[decision],
                "opts": self.model._meta,
                "original": revision.posting,
                "revision": revision,
                "revision_changes": changes(revision.posting, revision),
                "decision": decision,
                "form": form,
            },
        )

    def _decide(self, request, revision, decision, form):
        by = Actor.staff(request.user)
        try:
            with posting_context(revision.posting_id):
                if decision == "approve":
                    revising.approve(revision.pk, by=by)
                else:
                    revising.reject(revision.pk, by=by, reason=form.cleaned_data["reason"])
        except revising.RevisionRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return None
        done = (
            "Approved the changes: the board shows them now, and the employer is emailed."
            if decision == "approve"
            else "Rejected the changes: the live posting stays as it was; the employer is "
            "emailed your reason."
        )
        self.message_user(request, done, messages.SUCCESS)
        return None

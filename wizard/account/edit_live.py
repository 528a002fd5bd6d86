"""Change a live posting: the signed-in owner edits its content on one page, checked by
the wizard's details form (wizard.flow.forms.DetailsForm, the one set of field rules);
saving keeps the changes as a pending revision for staff to approve
(wizard.postings.revising). The board keeps the live version until then."""

import copy

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from wizard.account import states
from wizard.account.access import employer_required, own
from wizard.account.actions import action
from wizard.flow.forms import DetailsForm
from wizard.postings import revising
from wizard.postings.models import JobPosting
from wizard.postings.revisions import REVISED_FIELDS, put, values_of
from wizard.postings.zones import posting_zone

TEMPLATE = "account/edit_live.html"


@action("Edit", order=30)
def edit_action(posting):
    return reverse("wizard:edit_live", args=[posting.pk]) if posting.is_public else None


def edit_url(posting):
    return reverse("wizard:edit_live", args=[posting.pk])


@employer_required
@require_http_methods(["GET", "POST"])
def edit_live(request, posting_id):
    posting = own(JobPosting.objects.all(), request.employer, pk=posting_id)
    if not posting.is_public:
        return _not_live(request, posting)
    pending = posting.revisions.pending().first()
    if request.method == "GET":
        form = DetailsForm(instance=_as_proposed(posting, pending))
        return _page(request, posting, pending, form)

    data = request.POST.copy()
    # Not part of an edit: the address the receipts go to stays the posting's.
    data["contact_email"] = posting.contact_email
    form = DetailsForm(data, instance=copy.copy(posting), checked=REVISED_FIELDS)
    if not form.is_valid():
        return _page(request, posting, pending, form, status=422)
    try:
        # From the validated copy, as the model's clean() left it (the location fields a
        # workplace does not use emptied), not from cleaned_data.
        done, _ = revising.propose(posting.pk, values_of(form.instance), employer=request.employer)
    except revising.NotLive:
        return _not_live(request, JobPosting.objects.get(pk=posting.pk))
    if done == revising.UNCHANGED:
        messages.info(request, "You have not changed anything.")
    elif done == revising.UNDONE:
        messages.info(
            request,
            "Your posting is the same as the live one again, so there is nothing to review: "
            "we withdrew the changes that were waiting.",
        )
    return redirect(edit_url(posting))


@employer_required
@require_POST
def withdraw_edit(request, posting_id):
    """Withdraw the pending revision the page showed (its id posted), if it still is."""
    posting = own(JobPosting.objects.all(), request.employer, pk=posting_id)
    shown = request.POST.get("revision", "")
    pending = posting.revisions.pending().filter(pk=shown).first() if shown.isdigit() else None
    try:
        if pending is None:
            raise revising.AlreadyDecided(
                "There were no changes waiting to withdraw: they were decided or replaced "
                "meanwhile. This page shows your posting as it is now."
            )
        revising.withdraw(pending.pk)
    except revising.AlreadyDecided as refused:
        messages.warning(request, refused.message)
    else:
        messages.success(request, "You withdrew your changes. The live posting stays as it is.")
    return redirect(edit_url(posting))


def _as_proposed(posting, pending):
    """The posting as the form shows it: with the pending revision's values, if any."""
    shown = copy.copy(posting)
    if pending is not None:
        put(shown, pending.values)
    return shown


def _page(request, posting, pending, form, status=200):
    return render(
        request,
        TEMPLATE,
        {
            "posting": posting,
            "zone": posting_zone(posting),
            "pending": pending,
            "form": form,
            "error_forms": [form] if form.errors else [],
        },
        status=status,
    )


def _not_live(request, posting):
    """A posting off the board cannot be changed; changes still waiting may be withdrawn."""
    context = {
        "posting": posting,
        "not_live": True,
        "state": states.words(posting),
        "pending": posting.revisions.pending().first(),
        "zone": posting_zone(posting),
    }
    return render(request, TEMPLATE, context, status=409)

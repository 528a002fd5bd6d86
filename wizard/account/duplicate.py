"""Duplicate: a posting copied into a new draft, which opens at the flow's first step for
its employer to check (wizard.flow.duplicate). From the account (the signed-in owner), and
from the posting's own page after payment (whoever may open it: the browser that made it
or opened its manage link, or its signed-in owner). The copy belongs to whoever is signed
in, and to this browser."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wizard.account.access import employer_required, own
from wizard.account.actions import action
from wizard.employers.sessions import current_employer
from wizard.flow import edits
from wizard.flow.duplicate import duplicate
from wizard.flow.order import FLOW
from wizard.flow.ownership import claim, owned_posting
from wizard.postings.models import JobPosting
from wizard.web.client import client_address


@action("Duplicate", order=30, method="post")
def duplicate_action(posting):
    return reverse("wizard:duplicate", args=[posting.pk])


@never_cache
@require_POST
@employer_required
def duplicate_posting(request, posting_id):
    source = own(JobPosting.objects.all(), request.employer, pk=posting_id)
    return _copy(request, source, request.employer)


@never_cache
@require_POST
def duplicate_owned(request, posting_id):
    source = owned_posting(request, posting_id)
    return _copy(request, source, current_employer(request))


def _copy(request, source, employer):
    if not request.session.session_key:
        request.session.save()  # a key to count this browser's drafts by
    try:
        copy = duplicate(
            source,
            session=request.session.session_key,
            client=client_address(request),
            employer=employer,
        )
    except edits.TooManyDrafts:
        return render(request, "wizard/too_many_drafts.html", status=429)
    claim(request, copy)
    messages.info(
        request,
        f"This is a copy of “{source.title or 'your posting'}”. Check each step before you pay.",
    )
    return redirect(FLOW.applicable(copy)[0].url(copy))

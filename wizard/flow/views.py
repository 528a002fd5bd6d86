from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HTMX_STOP_POLLING, reswap, retarget

from wizard.employers.sessions import current_employer
from wizard.flow import edits, finish_later
from wizard.flow.navigation import redirect_to, refuse_link
from wizard.flow.order import FLOW
from wizard.flow.outcomes import tell_unsettled
from wizard.flow.ownership import claim, owned_posting, owns
from wizard.flow.steps.base import PROCESSING_LOCK_MESSAGE
from wizard.payments.exceptions import PaymentProviderUnavailable
from wizard.payments.fulfilment import fulfil
from wizard.postings.links import LinkError, LinkInvalid, LinkUsed, read_finish_later_token
from wizard.postings.logcontext import bind_posting
from wizard.postings.models import Actor, JobPosting
from wizard.web.client import client_address


@require_http_methods(["GET", "POST"])
def start(request):
    if request.method == "POST":
        if not request.session.session_key:
            request.session.save()  # a key to count this browser's drafts by
        employer = current_employer(request)
        try:
            posting = edits.create_draft(
                request.session.session_key, client_address(request), employer=employer
            )
        except edits.TooManyDrafts:
            return render(request, "wizard/too_many_drafts.html", status=429)
        claim(request, posting)
        if employer is not None:
            posting = edits.offer_company_profile(FLOW, posting.pk, employer) or posting
        return redirect_to(request, FLOW.first_incomplete(posting).url(posting))
    draft = JobPosting()
    return render(
        request,
        "wizard/start.html",
        {"price": draft.price_display, "steps": FLOW.counted(draft)},
    )


@require_http_methods(["GET", "POST"])
def step(request, posting_id, step_name):
    """The one dispatcher for every step: ownership, then order, then the step itself."""
    requested = FLOW[step_name]
    posting = owned_posting(request, posting_id, requested.postings())
    if posting.is_abandoned:
        return render(request, "wizard/abandoned.html", {"posting": posting}, status=410)
    posting = edits.project(FLOW, posting)
    if not requested.is_applicable(posting):
        raise Http404("This step is switched off.")
    if posting.is_paid and requested.locked_once_paid:
        return redirect_to(request, FLOW.after_payment().url(posting))
    if (
        posting.is_payment_processing
        and requested.locked_once_paid
        and requested is not FLOW.payment
    ):
        # A delayed payment on its way: nothing to edit, the payment step says where it is.
        if request.method == "POST":
            messages.info(request, PROCESSING_LOCK_MESSAGE)
        return redirect_to(request, FLOW.payment.url(posting))
    blocking = FLOW.blocking_step(requested, posting)
    if blocking is not None:
        messages.warning(request, f"Please complete “{blocking.title}” first.")
        return redirect_to(request, blocking.url(posting))
    if request.method == "POST":
        return requested.post(request, posting)
    return requested.get(request, posting)


@require_GET
def payment_return(request, posting_id):
    """Stripe's success_url. The query string proves nothing: fulfil asks Stripe."""
    posting = owned_posting(request, posting_id)
    payment = FLOW["payment"]
    session_id = request.GET.get("session_id", "")
    if not session_id:
        return redirect_to(request, payment.url(posting))
    try:
        outcome = fulfil(session_id, by=Actor.employer(), expected_posting_id=posting.pk)
    except PaymentProviderUnavailable:
        messages.warning(
            request,
            "We could not confirm your payment with the provider yet. If you paid, "
            "this page will update by itself shortly; you will not be charged twice.",
        )
        return redirect_to(request, payment.url(posting))
    if outcome.settled:
        return redirect_to(request, FLOW.after_payment().url(posting))
    if not tell_unsettled(request, outcome):
        messages.error(request, "That payment does not belong to this posting.")
    return redirect_to(request, payment.url(posting))


@require_GET
def status(request, posting_id):
    """The progress the confirmation page polls. While the phase the page shows is still
    the phase the posting is in, only the progress is sent; when it has changed (the
    receipt went out, staff decided) the whole section is, as its forms change too.
    Before payment there is nothing to report: the employer is sent to their step."""
    posting = owned_posting(request, posting_id)
    if not posting.is_paid:
        return redirect_to(request, (FLOW.first_incomplete(posting) or FLOW.payment).url(posting))
    context = {"posting": posting, **FLOW["confirmation"].context(posting)}
    ledger = context["ledger"]
    if not request.htmx:
        return render(request, "wizard/status.html", context)
    status = 200 if ledger.poll_seconds else HTMX_STOP_POLLING
    if request.GET.get("phase") == ledger.phase:
        return render(request, "wizard/status.html#progress", context, status=status)
    response = render(request, "wizard/status.html", context, status=status)
    return reswap(retarget(response, "#posting-status"), "outerHTML")


@require_http_methods(["GET", "POST"])
def finish_later_link(request, token):
    """GET shows the link's page and spends nothing (mail scanners open links before
    people do); the "Continue your draft" button POSTs, which spends the link."""
    try:
        posting_id, nonce = read_finish_later_token(token)
        bind_posting(posting_id)
        if request.method == "GET":
            posting = finish_later.check_link(posting_id, nonce)
            return render(request, "wizard/finish_later_confirm.html", {"posting": posting})
        posting = finish_later.use_link(posting_id, nonce)
    except JobPosting.DoesNotExist:
        return refuse_link(request, LinkInvalid())
    except LinkUsed as error:
        if not owns(request, posting_id):
            return refuse_link(request, error)
        # Used already, by this browser, which holds the draft: no dead end.
        posting = JobPosting.objects.get(pk=posting_id)
        messages.info(request, "You already opened this link in this browser: here is your draft.")
        return redirect(where_to_continue(posting))
    except LinkError as error:
        return refuse_link(request, error)
    except finish_later.DraftClosed:
        posting = JobPosting.objects.get(pk=posting_id)
        return render(request, "wizard/abandoned.html", {"posting": posting}, status=410)
    claim(request, posting)
    if not posting.is_paid:
        messages.success(request, "Welcome back. Your draft is as you left it.")
    return redirect(where_to_continue(posting))


def where_to_continue(posting):
    if posting.is_paid:
        return FLOW.after_payment().url(posting)
    return FLOW.first_incomplete(posting).url(posting)

"""What the pages of a later payment (a renewal, an upgrade: wizard.payments.later_payments)
share: the Pay button's POST that opens its checkout, and Stripe's return to the page that
says how it went. The query string of a return proves nothing: fulfil asks Stripe."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect

from wizard.flow.outcomes import tell_unsettled
from wizard.payments import later_payments
from wizard.payments.exceptions import PaymentError, PaymentProviderUnavailable
from wizard.payments.fulfilment import FulfilOutcome, fulfil
from wizard.postings.models import Actor, JobPosting
from wizard.postings.zones import posting_zone


def open_checkout(request, posting, purpose, *, paid_url, render_page):
    """Start the later payment's checkout and send the employer there; when it cannot be
    started, `render_page(request, posting, status=…)` again with why."""
    try:
        checkout_url = later_payments.start(
            posting.pk,
            purpose,
            success_url=paid_url,
            cancel_url=request.build_absolute_uri(request.path),
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return render_page(request, JobPosting.objects.get(pk=posting.pk), status=error.status)
    return redirect(checkout_url)


def returned(request, posting, *, not_confirmed):
    """Stripe's return from the posting's later payment: fulfilled (or not) as Stripe says;
    the context of the page that tells how it went. `not_confirmed` is what the page says
    when Stripe cannot be asked. Http404 for a payment that is not this posting's."""
    session_id = request.GET.get("session_id", "")
    if not session_id:
        raise Http404("No payment named.")
    try:
        outcome = fulfil(session_id, by=Actor.employer(), expected_posting_id=posting.pk)
    except PaymentProviderUnavailable:
        outcome = None
        messages.warning(request, not_confirmed)
    if outcome is not None and not outcome.settled and not tell_unsettled(request, outcome):
        raise Http404("That payment does not belong to this posting.")
    posting = JobPosting.objects.get(pk=posting.pk)
    return {
        "posting": posting,
        # What this payment charged, said on the page (its receipt is on the payments page).
        "paid": posting.payment_attempts.filter(session_id=session_id).first(),
        "zone": posting_zone(posting),
        "settled": outcome is not None and outcome.settled,
        "processing": outcome is FulfilOutcome.PROCESSING,
    }

"""Featuring a live standard posting (wizard.payments.purposes.Upgrade): the page that says
what the upgrade buys and its price, its checkout, and the page Stripe sends the employer
back to.

For the signed-in owner only (/account/postings/<id>/feature/): a GET only shows the page;
the Pay button's POST starts the checkout (wizard.payments.later_payments).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wizard.account.access import employer_required, own
from wizard.account.actions import action
from wizard.flow.outcomes import tell_unsettled
from wizard.payments import later_payments
from wizard.payments.exceptions import PaymentError, PaymentProviderUnavailable
from wizard.payments.fulfilment import FulfilOutcome, fulfil
from wizard.payments.models import PaymentAttempt
from wizard.payments.purposes import PURPOSES
from wizard.postings.models import Actor, JobPosting
from wizard.postings.zones import posting_zone

UPGRADE = PURPOSES[PaymentAttempt.Purpose.UPGRADE]


@action("Feature this posting", order=25)
def feature_action(posting):
    return reverse("wizard:feature", args=[posting.pk]) if UPGRADE.can_buy(posting) else None


@never_cache
@require_http_methods(["GET", "POST"])
@employer_required
def feature(request, posting_id):
    posting = own(JobPosting.objects.all(), request.employer, pk=posting_id)
    if not UPGRADE.can_buy(posting):
        return _render(request, posting, status=409)
    if request.method == "POST":
        paid_url = request.build_absolute_uri(reverse("wizard:featured", args=[posting.pk]))
        try:
            checkout_url = later_payments.start(
                posting.pk,
                PaymentAttempt.Purpose.UPGRADE,
                success_url=paid_url,
                cancel_url=request.build_absolute_uri(request.path),
            )
        except PaymentError as error:
            messages.error(request, error.message)
            return _render(request, JobPosting.objects.get(pk=posting.pk), status=error.status)
        return redirect(checkout_url)
    return _render(request, posting)


def _render(request, posting, status=200):
    bought = UPGRADE.listing(posting) if UPGRADE.can_buy(posting) else None
    context = {
        "posting": posting,
        "zone": posting_zone(posting),
        "bought": bought,
        "price": bought.price_display if bought else "",
    }
    return render(request, "account/feature.html", context, status=status)


@never_cache
@require_GET
@employer_required
def featured(request, posting_id):
    """Stripe's success_url of an upgrade. The query string proves nothing: fulfil asks."""
    posting = own(JobPosting.objects.all(), request.employer, pk=posting_id)
    session_id = request.GET.get("session_id", "")
    if not session_id:
        raise Http404("No payment named.")
    try:
        outcome = fulfil(session_id, by=Actor.employer(), expected_posting_id=posting.pk)
    except PaymentProviderUnavailable:
        outcome = None
        messages.warning(
            request,
            "We could not confirm your payment with the provider yet. If you paid, your "
            "posting is featured shortly; you will not be charged twice.",
        )
    if outcome is not None and not outcome.settled and not tell_unsettled(request, outcome):
        raise Http404("That payment does not belong to this posting.")
    posting = JobPosting.objects.get(pk=posting.pk)
    context = {
        "posting": posting,
        # What this upgrade charged, said on the page (its receipt is on the payments page).
        "paid": posting.payment_attempts.filter(session_id=session_id).first(),
        "zone": posting_zone(posting),
        "settled": outcome is not None and outcome.settled,
        "processing": outcome is FulfilOutcome.PROCESSING,
    }
    return render(request, "account/featured.html", context)

"""Renewing a posting: the page that says what a renewal buys and starts its checkout.

Two ways in: the signed-in owner's /account/postings/<id>/renew/, and the one-click link
in the expiry warning email (wizard.postings.links' renew token), which works without an
account and opens nothing but this. A GET only shows the page, so a mail scanner opening
the link starts nothing; the Pay button's POST starts the checkout.
"""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wizard.account import states
from wizard.account.access import employer_required, own
from wizard.account.actions import action
from wizard.account.later_checkout import open_checkout, returned
from wizard.flow.navigation import refuse_link
from wizard.payments.models import PaymentAttempt
from wizard.payments.purposes import PURPOSES
from wizard.postings import links
from wizard.postings.links import LinkError, LinkInvalid, check_manage_nonce, read_renew_token
from wizard.postings.logcontext import bind_posting
from wizard.postings.models import JobPosting
from wizard.postings.zones import posting_zone

RENEWAL = PURPOSES[PaymentAttempt.Purpose.RENEWAL]


@action("Renew", order=20)
def renew_action(posting):
    return reverse("wizard:renew", args=[posting.pk]) if posting.is_renewable else None


@never_cache
@require_http_methods(["GET", "POST"])
@employer_required
def renew(request, posting_id):
    posting = own(JobPosting.objects.all(), request.employer, pk=posting_id)
    return _renew_page(request, posting, links.make_renew_token(posting))


@never_cache
@require_http_methods(["GET", "POST"])
def renew_link(request, token):
    try:
        posting = _posting_of(token)
    except LinkError as error:
        return refuse_link(request, error)
    return _renew_page(request, posting, token)


def _posting_of(token):
    """The posting a renew token names, with its nonce still current; LinkError if not."""
    posting_id, nonce = read_renew_token(token)
    bind_posting(posting_id)
    posting = JobPosting.objects.filter(pk=posting_id).first()
    if posting is None:
        raise LinkInvalid()
    check_manage_nonce(posting, nonce)
    return posting


def _renew_page(request, posting, token):
    if not posting.is_renewable:
        return _render(request, posting, status=409)
    if request.method == "POST":
        paid_url = request.build_absolute_uri(reverse("wizard:renew_paid", args=[token]))
        return open_checkout(
            request, posting, RENEWAL.purpose, paid_url=paid_url, render_page=_render
        )
    return _render(request, posting)


def _render(request, posting, status=200):
    bought = RENEWAL.listing(posting)
    days = bought.days if bought else 0
    context = {
        "posting": posting,
        "zone": posting_zone(posting),
        "state": states.words(posting),
        "days": days,
        "new_expiry": RENEWAL.new_expiry(posting, days),
        "price": bought.price_display if bought else "",
    }
    return render(request, "account/renew.html", context, status=status)


@never_cache
@require_GET
def renew_paid(request, token):
    """Stripe's success_url of a renewal. The query string proves nothing: fulfil asks."""
    try:
        posting = _posting_of(token)
    except LinkError as error:
        return refuse_link(request, error)
    context = returned(
        request,
        posting,
        not_confirmed=(
            "We could not confirm your payment with the provider yet. If you paid, your "
            "posting gets its new date shortly; you will not be charged twice."
        ),
    )
    return render(request, "account/renewed.html", context)

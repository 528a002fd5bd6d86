"""The employer's payments: every paid attempt of their postings, newest first, with
Stripe's documents (the receipt, the invoice's PDF) linked directly.

A paid attempt is one with its PaymentIntent recorded (PaymentAttempt.is_paid), or one
settled with nothing charged (PaymentAttempt.is_free: a promotion code paid it all); a
renewal is an attempt of its own, so it is listed with its own purpose."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET

from wizard.account.access import employer_required
from wizard.payments.models import PaymentAttempt
from wizard.postings.zones import posting_zone

PER_PAGE = 25


@dataclass(frozen=True)
class Document:
    label: str
    url: str


def documents(attempt):
    """The receipt (the invoice's page, else the charge's receipt) and the invoice's PDF,
    each only if recorded as a web address (nothing else becomes a link). Before Stripe's
    documents are recorded, our receipt link, which asks Stripe when it is opened."""
    found = []
    receipt = next(filter(_web, [attempt.invoice_url, attempt.receipt_url]), "")
    if receipt:
        found.append(Document("Receipt", receipt))
    if _web(attempt.invoice_pdf_url):
        found.append(Document("Invoice (PDF)", attempt.invoice_pdf_url))
    return found or [Document("Receipt", reverse("wizard:receipt", args=[attempt.pk]))]


def _web(url):
    return bool(url) and urlsplit(url).scheme in ("http", "https")


def paid(attempts):
    return attempts.filter(~Q(payment_intent_id="") | Q(state=PaymentAttempt.State.PAID))


def described(attempt):
    """The attempt with what its row shows: its documents, and the day it was paid in the
    posting's zone."""
    attempt.documents = documents(attempt)
    attempt.paid_on = localtime(attempt.paid_at, posting_zone(attempt.posting)).date()
    return attempt


@require_GET
@employer_required
def your_payments(request):
    attempts = paid(PaymentAttempt.objects.filter(posting__employer=request.employer))
    attempts = attempts.select_related("posting").order_by("-paid_at", "-pk")
    page = Paginator(attempts, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "account/payments.html",
        {"page": page, "payments": [described(attempt) for attempt in page.object_list]},
    )

"""The employer's postings as a CSV file: one row each, with their numbers and what was paid.

Streamed (rows are written as the database yields them), and safe to open in a
spreadsheet: a cell that would start a formula is prefixed with an apostrophe (OWASP's
advice against CSV injection), since titles and company names are typed by people.
"""

import csv
from collections import defaultdict

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET

from wizard.account import states
from wizard.account.access import employer_required
from wizard.account.payments import paid
from wizard.payments.models import PaymentAttempt
from wizard.postings.models import JobPosting
from wizard.postings.money import money
from wizard.postings.numbers import with_numbers
from wizard.postings.zones import posting_zone

HEADER = [
    "Reference",
    "Title",
    "Company",
    "State",
    "Created",
    "Published",
    "Expires",
    "Views",
    "Apply clicks",
    "Amount paid",
    "Amount paid (minor units)",
    "Currency",
    "Discount",
    "Promotion codes",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


def safe_cell(value):
    """A cell a spreadsheet shows as text: one starting a formula gets a leading '."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _when(moment, zone):
    return localtime(moment, zone).isoformat(timespec="minutes") if moment else ""


def _paid(posting):
    """What was paid for it (charged, after any promotion code), by currency: (formatted,
    minor units, currency) each joined; then the discounts given and the codes typed."""
    totals, discounts, codes = defaultdict(int), defaultdict(int), []
    for attempt in posting.paid_attempts:
        totals[attempt.currency] += attempt.amount
        discounts[attempt.currency] += attempt.discount
        if attempt.promotion_code and attempt.promotion_code not in codes:
            codes.append(attempt.promotion_code)
    currencies = sorted(totals)
    return (
        "; ".join(money(totals[currency], currency) for currency in currencies),
        "; ".join(str(totals[currency]) for currency in currencies),
        "; ".join(currency.upper() for currency in currencies),
        "; ".join(money(discounts[c], c) for c in currencies if discounts[c]),
        "; ".join(codes),
    )


def posting_row(posting):
    zone = posting_zone(posting)
    return [
        posting.reference,
        posting.title,
        posting.company_name,
        states.words(posting),
        _when(posting.created_at, zone),
        _when(posting.published_at, zone),
        _when(posting.expires_at, zone),
        posting.views,
        posting.apply_clicks,
        *_paid(posting),
    ]


def rows(employer):
    payments = paid(PaymentAttempt.objects.order_by("number"))
    postings = with_numbers(states.with_endings(JobPosting.objects.filter(employer=employer)))
    postings = postings.prefetch_related(
        Prefetch("payment_attempts", queryset=payments, to_attr="paid_attempts")
    ).order_by("-created_at", "-pk")
    yield HEADER
    for posting in postings.iterator(chunk_size=CHUNK):
        yield posting_row(posting)


class _Echo:
    """A file-like object csv.writer writes a line to, which hands the line back."""

    def write(self, line):
        return line


@require_GET
@employer_required
def export(request):
    writer = csv.writer(_Echo())
    lines = (writer.writerow([safe_cell(cell) for cell in row]) for row in rows(request.employer))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"jobwizard-postings-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

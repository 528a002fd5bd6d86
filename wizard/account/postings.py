"""'Your postings': every posting of the signed-in employer, by state, and one posting's page.

The list costs the same few queries whatever the number of postings: the session, the
employer, the postings counted by status (which gives the groups' counts and the page
count), and the page's rows with their numbers and endings annotated. Nothing on a row
asks the database again: a draft's next step is decided from its own data.
"""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET

from wizard.account import states
from wizard.account.access import employer_required, own
from wizard.account.actions import action, offered
from wizard.account.payments import described, paid
from wizard.flow.ledger import Ledger
from wizard.flow.order import FLOW
from wizard.postings.models import JobPosting, Status
from wizard.postings.numbers import with_numbers
from wizard.postings.zones import posting_zone

PER_PAGE = 25


@action("Continue", order=10)
def continue_draft(posting):
    """A draft (or one at checkout) goes on at the first step it has not completed."""
    if not posting.is_before_payment or posting.is_abandoned:
        return None
    step = FLOW.first_incomplete(posting)
    return step.url(posting) if step else None


class CountedPaginator(Paginator):
    """A Paginator told how many rows there are (the groups' counts know): no COUNT query."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


@dataclass(frozen=True)
class Row:
    posting: object
    words: str
    continue_url: str
    live_until: object  # the day it leaves the board, in its zone (a date), while live

    @property
    def url(self):
        return reverse("wizard:account_posting", args=[self.posting.pk])


def row(posting):
    live_until = None
    if posting.status == Status.PUBLISHED and posting.expires_at:
        live_until = localtime(posting.expires_at, posting_zone(posting)).date()
    return Row(posting, states.words(posting), continue_draft(posting) or "", live_until)


def group_counts(postings):
    """{group slug: how many} in one query."""
    counts = dict.fromkeys((group.slug for group in states.GROUPS), 0)
    by_status = postings.order_by().values_list("status").annotate(n=Count("pk"))
    for status, n in by_status:
        counts[states.group_of(status).slug] += n
    return counts


@require_GET
@employer_required
def your_postings(request):
    mine = JobPosting.objects.filter(employer=request.employer)
    counts = group_counts(mine)
    group = states.group_named(request.GET.get("state", ""))
    shown = states.in_group(mine, group) if group else mine
    total = counts[group.slug] if group else sum(counts.values())
    postings = with_numbers(states.with_endings(shown.select_related("plan"))).order_by(
        "-created_at", "-pk"
    )
    page = CountedPaginator(postings, PER_PAGE, total).get_page(request.GET.get("page"))
    filters = [(each, counts[each.slug]) for each in states.GROUPS]
    return render(
        request,
        "account/postings.html",
        {
            "page": page,
            "rows": [row(posting) for posting in page.object_list],
            "group": group,
            "filters": filters,
            "total": sum(counts.values()),
        },
    )


@require_GET
@employer_required
def posting_page(request, posting_id):
    postings = with_numbers(
        states.with_endings(JobPosting.objects.select_related("current_attempt", "plan"))
    )
    posting = own(postings, request.employer, pk=posting_id)
    posting.employer = request.employer  # its owner, as `own` checked: no query for it
    payments = paid(posting.payment_attempts.order_by("paid_at", "pk"))
    return render(
        request,
        "account/posting.html",
        {
            "posting": posting,
            "row": row(posting),
            "zone": posting_zone(posting),
            "ledger": Ledger(posting, FLOW) if posting.is_paid else None,
            "progress": FLOW.progress(posting) if posting.is_before_payment else [],
            "payments": [described(payment) for payment in payments],
            "actions": offered(posting),
        },
    )

"""A posting's status in the words an employer uses, and the groups "Your postings" shows.

Written once from wizard.postings.statuses: every Status has its words here (a test
iterates them); a status a flow step declares before payment ("logo_ready", …) is a
draft. Two endings are told apart by what happened, not by the status alone: a posting
the employer withdrew before review (refunded, the refund's reason "withdrawn") and one
staff took off the board (expired by the "withdraw" transition: JobPosting.was_withdrawn,
which also rules out a renewal). `with_endings` annotates both, so no row costs a query.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from wizard.payments.models import Refund
from wizard.postings.statuses import Status


@dataclass(frozen=True)
class Group:
    slug: str
    title: str
    statuses: tuple


DRAFTS = Group("drafts", "Drafts", (Status.DRAFT, Status.READY_TO_PAY))
PAYING = Group(
    "payment", "Waiting for payment", (Status.AWAITING_PAYMENT, Status.PAYMENT_PROCESSING)
)
IN_REVIEW = Group("review", "In review", (Status.PAID, Status.CONFIRMED, Status.IN_REVIEW))
LIVE = Group("live", "Live", (Status.PUBLISHED,))
ENDED = Group(
    "ended",
    "Ended",
    (
        Status.EXPIRED,
        Status.REJECTED,
        Status.REFUNDED,
        Status.DISPUTED,
        Status.DISPUTE_LOST,
        Status.ABANDONED,
    ),
)
GROUPS = (DRAFTS, PAYING, IN_REVIEW, LIVE, ENDED)

WORDS = {
    Status.DRAFT: "Draft",
    Status.READY_TO_PAY: "Draft: ready to pay",
    Status.AWAITING_PAYMENT: "Waiting for payment",
    Status.PAYMENT_PROCESSING: "Payment processing",
    Status.PAID: "In review",
    Status.CONFIRMED: "In review",
    Status.IN_REVIEW: "In review",
    Status.PUBLISHED: "Live",
    Status.REJECTED: "Rejected",
    Status.EXPIRED: "Expired",
    Status.REFUNDED: "Refunded",
    Status.DISPUTED: "Off the board: payment disputed",
    Status.DISPUTE_LOST: "Ended: payment disputed",
    Status.ABANDONED: "Draft closed",
}
WITHDRAWN = "Withdrawn"


def group_of(status):
    """The group a stored status belongs to: a step's own status is a draft's."""
    return next((group for group in GROUPS if status in group.statuses), DRAFTS)


def group_named(slug):
    return next((group for group in GROUPS if group.slug == slug), None)


def words(posting):
    """The posting's state in an employer's words."""
    if getattr(posting, "withdrawn_by_employer", False) or getattr(posting, "withdrawn", False):
        return WITHDRAWN
    if posting.status in WORDS:
        return WORDS[Status(posting.status)]
    return WORDS[Status.DRAFT]


def with_endings(postings):
    """Postings annotated with how they were withdrawn, if they were (one query for all):
    `withdrawn_by_employer`, and `withdrawn` (by staff) as JobPosting.was_withdrawn reads it."""
    refunds = Refund.objects.filter(posting=OuterRef("pk"), reason=Refund.Reason.WITHDRAWN)
    return postings.with_withdrawal().annotate(withdrawn_by_employer=Exists(refunds))


def in_group(postings, group):
    """The postings of one group. Drafts are every status outside the other groups."""
    if group is DRAFTS:
        others = [status for other in GROUPS if other is not DRAFTS for status in other.statuses]
        return postings.exclude(status__in=others)
    return postings.filter(status__in=group.statuses)

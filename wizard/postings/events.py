"""Lifecycle events, announced once, when the transition that causes them is applied.

Receivers are called inside the transaction that applies the transition, with the
posting locked, before it is saved: what they record (an email, a refund, a
search-engine notification) commits or rolls back together with the new status.
Make no external call in a receiver; queue an effect (wizard.effects) instead.

    from wizard.postings import events

    @receiver(events.published)
    def announce_job(sender, posting, by, why, **kwargs): ...
"""

from django.dispatch import Signal

from wizard.postings.models import JobPosting

paid = Signal()
payment_failed = Signal()  # a delayed payment (SEPA Debit, ACH…) did not arrive
published = Signal()
relisted = Signal()  # an expired posting renewed: on the board again (no second review)
expired = Signal()  # reached its expiry date
withdrawn = Signal()  # taken off the board by staff before its expiry
rejected = Signal()
refunded = Signal()
abandoned = Signal()
disputed = Signal()  # off the board while its payment is disputed
reinstated = Signal()  # a dispute was won: back to the status it had
dispute_lost = Signal()  # a dispute was lost: the posting ended
# Staff decided an edit of a live posting: approved (its new content is live) or rejected
# (the posting unchanged). Sent by wizard.postings.revising with the `revision` as well,
# in the transaction that records the decision.
revised = Signal()
revision_rejected = Signal()

# The transition whose success announces each event.
ANNOUNCED_BY = {
    "mark_paid": paid,
    "fail_payment": payment_failed,
    "approve": published,
    "relist": relisted,
    "expire": expired,
    "withdraw": withdrawn,
    "reject": rejected,
    "mark_refunded": refunded,
    "end_with_refund": refunded,
    "abandon": abandoned,
    "take_down_for_dispute": disputed,
    "restore_after_dispute": reinstated,
    "end_for_lost_dispute": dispute_lost,
}


def announce(posting, transition, *, by, why, source):
    """Called once per applied transition (wizard.postings.transitions), after its log."""
    event = ANNOUNCED_BY.get(transition)
    if event is not None:
        event.send(sender=JobPosting, posting=posting, by=by, why=why, source=source)

"""What each purpose of a payment buys, and how it is applied once paid.

A posting's first payment is the wizard's own (wizard.payments.checkout and fulfilment's
first path: the posting becomes paid and goes to review). Every later payment on the
same posting is an attempt with another purpose, listed here: what it may be bought
for, what its checkout's line item says, what paying applies and what a refund of it
takes back. Its checkout is opened by wizard.payments.later_payments.

Every function here that writes runs with the posting locked (locked_posting).
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_fsm import can_proceed

from wizard.payments.amounts import record_amounts
from wizard.payments.attempts import keep_previous_release_in_step, latest_attempt
from wizard.payments.models import PaymentAttempt
from wizard.postings import plans
from wizard.postings.money import stripe_refusal

logger = logging.getLogger(__name__)

Purpose = PaymentAttempt.Purpose
METADATA_KEY = "purpose"  # in a session's metadata, for every purpose but the first


class Renewal:
    """More time on the board for a live or expired posting: its expiry moves on by the
    listing lifetime from now or from its expiry, whichever is later, and an expired one
    is relisted. Its content is unchanged, so there is no second review."""

    purpose = Purpose.RENEWAL
    # What the employer is told when pressing Pay finds it not for sale, on its way, paid.
    not_offered = "This posting can no longer be renewed."
    processing = (
        "Your bank payment for this renewal is on its way: your posting gets its new date "
        "once it arrives. You will not be charged twice."
    )
    paid_already = "This renewal is paid already: your posting has its new date."

    def can_buy(self, posting):
        return posting.is_renewable and self.listing(posting) is not None

    def listing(self, posting):
        """What a renewal buys and costs now (wizard.postings.plans): the plan of the
        posting's first payment, at today's price in the currency it was paid in, or the
        standard listing when it had no plan; None when that plan is no longer sold in that
        currency. What was paid is the attempt's record."""
        first = first_payment(posting)
        if first is None or first.plan_id is None:
            return plans.standard_listing()
        return plans.listing(first.plan, first.currency)

    def line_item(self, posting, attempt):
        return f"Renewal: {posting.title} ({attempt.days} more days)"

    def new_expiry(self, posting, days):
        now = timezone.now()
        start = max(now, posting.expires_at) if posting.expires_at else now
        return start + timedelta(days=days)

    def apply(self, posting, attempt, *, by):
        why = f"Renewed for {attempt.days} days (payment attempt {attempt.number})"
        posting.expires_at = self.new_expiry(posting, attempt.days)
        if can_proceed(posting.relist):
            posting.relist(by=by, why=why)
        logger.info("Posting %s %s, until %s", posting.pk, why.lower(), posting.expires_at)

    def take_back(self, posting, attempt, *, by):
        """Its refund: the expiry moves back by the days it bought; a posting whose time
        is then up leaves the board at once."""
        if posting.expires_at is None:
            return
        posting.expires_at -= timedelta(days=attempt.days or 0)
        if posting.expires_at <= timezone.now() and can_proceed(posting.expire):
            posting.expire(by=by, why=f"Renewal (payment attempt {attempt.number}) refunded")


class Upgrade:
    """A live standard posting featured (pinned at the top of the board) for the rest of
    its time, renewals included: a renewal buys the posting's plan again and leaves the
    feature as it is. Its content is unchanged, so there is no second review."""

    purpose = Purpose.UPGRADE
    not_offered = "This posting can no longer be featured."
    processing = (
        "Your bank payment for featuring this posting is on its way: your posting is "
        "featured once it arrives. You will not be charged twice."
    )
    paid_already = "This upgrade is paid already: your posting is featured."

    def can_buy(self, posting):
        return posting.is_public and not posting.featured and self.listing(posting) is not None

    def listing(self, posting):
        """What featuring the posting costs now: the first active featured plan (in the
        plans' order) sold in the currency of the posting's first payment, less the list
        price of that payment (what its own plan cost, before discount and tax). None when
        there is no such plan, or when Stripe would refuse to charge the difference: zero or
        less, or under the currency's minimum charge (USD 0.50, GBP 0.30…): the featured
        plan costs (almost) no more than what was bought, and no upgrade is offered.
        Its days are None: the feature lasts as long as the listing."""
        first = first_payment(posting)
        if first is None or not first.is_settled:
            return None
        featured = next((plan for plan in plans.active_plans() if plan.featured), None)
        found = plans.listing(featured, first.currency) if featured is not None else None
        if found is None:
            return None
        amount = found.amount - first.list_price
        if stripe_refusal(amount, first.currency) is not None:
            return None
        return plans.Listing(featured, found.name, None, True, amount, first.currency)

    def line_item(self, posting, attempt):
        return f"Featured upgrade: {posting.title}"

    def apply(self, posting, attempt, *, by):
        # The caller saves the posting: a published posting's save moves the board's
        # version on (wizard.board.cache), so cached pages show the marker at once.
        posting.featured = True
        logger.info(
            "Posting %s featured (payment attempt %s) by %s", posting.pk, attempt.number, by
        )

    def take_back(self, posting, attempt, *, by):
        """Its refund: the posting is no longer featured; it stays on the board."""
        posting.featured = False
        logger.info(
            "Posting %s no longer featured: upgrade (payment attempt %s) refunded by %s",
            posting.pk,
            attempt.number,
            by,
        )


def first_payment(posting):
    """The posting's first payment: the attempt it points at (pages that offer renewals and
    upgrades select it with the posting); None when it points at none (no press of Pay)."""
    if posting.current_attempt_id is None:
        return None
    attempt = posting.current_attempt
    return attempt if attempt.purpose == Purpose.FIRST else latest_attempt(posting)


PURPOSES = {Purpose.RENEWAL: Renewal(), Purpose.UPGRADE: Upgrade()}


def of(attempt):
    return PURPOSES[attempt.purpose]


def purpose_of(session):
    """The purpose a Checkout Session was created for, from its metadata (first payments
    carry none)."""
    metadata = session.metadata.to_dict() if session.metadata else {}
    return metadata.get(METADATA_KEY) or Purpose.FIRST


def attempt_for(posting, session_id):
    """The posting's attempt of a purpose other than the first with this session (the
    posting's lock covers it); None when there is none."""
    if not session_id:
        return None
    found = posting.payment_attempts.exclude(purpose=Purpose.FIRST).filter(session_id=session_id)
    return found.first()


def record_paid(posting, attempt, session, *, by):
    """Apply the paid attempt to the posting and record it paid: its `applied_at` is the
    witness that it was applied, so a second call changes nothing (False).

    An attempt the previous release recorded paid without applying it (it took the
    renewal's session for the posting's own payment, and pointed the posting at it) is
    applied now, and the posting points at its own payment again."""
    if attempt.applied_at:
        return False
    of(attempt).apply(posting, attempt, by=by)
    now = timezone.now()
    attempt.state = PaymentAttempt.State.PAID
    attempt.payment_intent_id = attempt.payment_intent_id or session.payment_intent or ""
    record_amounts(attempt, session)
    attempt.paid_at = attempt.paid_at or now
    attempt.closed_at = attempt.closed_at or now
    attempt.applied_at = now
    attempt.save()
    if posting.current_attempt_id == attempt.pk:  # pointed at it by the previous release
        first = latest_attempt(posting)
        posting.current_attempt = first
        if first is not None:
            keep_previous_release_in_step(posting, first)
    posting.save()
    return True


def record_processing(attempt, method):
    """The attempt's session completed with a delayed method (SEPA Debit, ACH…): its money
    is on its way, and nothing is applied until it arrives (call with the posting locked)."""
    if attempt.state == PaymentAttempt.State.PROCESSING:
        return
    attempt.state = PaymentAttempt.State.PROCESSING
    attempt.payment_method_type = method[:40]
    attempt.save(update_fields=["state", "payment_method_type"])


def close_unpaid(posting, session_id, why):
    """Close the later payment of `session_id` that ended unpaid (its checkout expired, or
    its delayed payment failed), so that the employer may buy it again; False when there is
    none to close (call with the posting locked)."""
    attempt = attempt_for(posting, session_id)
    if attempt is None or attempt.applied_at or attempt.state == PaymentAttempt.State.CLOSED:
        return False
    attempt.state = PaymentAttempt.State.CLOSED
    attempt.closed_at = timezone.now()
    attempt.note = why[:255]
    attempt.save(update_fields=["state", "closed_at", "note"])
    return True

"""The employer's view of a paid posting: what has happened, when, and what went wrong.

Drawn from the flow's steps, the payment, the side effects the posting is owed that
the employer sees (each kind says whether they do: JobKind.employer_sees; staff see
every job in the admin) and the review. The page polls while these are under way.

Entries read in the order things happened: what has happened by its time, then what is
still to come, then what no longer will (a review after a withdrawal: "not needed").
Times are shown in the posting's country's zone (wizard.postings.zones) until the
browser rewrites them in its own.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django_fsm import can_proceed

from wizard.effects.email import KIND as EMAIL
from wizard.effects.email import Email
from wizard.jobs.kinds import kind_named
from wizard.jobs.models import Job
from wizard.payments.models import Refund, RefundMade
from wizard.postings.statuses import Status
from wizard.postings.zones import posting_zone

_LONG_AGO = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    label: str
    done: bool
    at: datetime | None = None
    note: str = ""
    error: str = ""
    not_needed: bool = False  # will no longer happen: neither done nor waited for

    @property
    def happened(self):
        return (self.done or bool(self.error)) and not self.not_needed

    @property
    def state(self):
        """done, error, not-needed or pending: the entry's mark and its words."""
        if self.not_needed:
            return "not-needed"
        if self.error:
            return "error"
        return "done" if self.done else "pending"


class Ledger:
    def __init__(self, posting, flow):
        self.posting = posting
        self.flow = flow
        # Only the employer's: a notice to search engines retrying for hours is staff's.
        self.effects = [job for job in posting.jobs.all() if kind_named(job.kind).employer_sees]
        self.email = next(
            (e for e in self.effects if e.kind == EMAIL and e.name == Email.CONFIRMATION), None
        )

    @cached_property
    def zone(self):
        return posting_zone(self.posting)

    @cached_property
    def entries(self):
        posting = self.posting
        entries = [
            *(self._step(step) for step in self._steps()),
            Entry(
                "Payment confirmed",
                posting.paid_at is not None,
                posting.paid_at,
                note=self._paid_note(),
            ),
            self._email_sent(self.email),
            *([self._email_delivered(self.email)] if self._shows_delivery() else []),
            self._review(),
            self._publication(),
            *(self._effect(effect) for effect in self.effects if effect.kind != EMAIL),
            *(self._refund_made(refund) for refund in self._refunds_made()),
            *(self._dispute(dispute) for dispute in self.disputes),
        ]
        return sorted(entries, key=_in_order_of_events)

    def _paid_note(self):
        """What the first payment (the posting's current attempt: a renewal is an attempt
        of its own) charged, and how: "Paid €46.65 (€49.00 less €9.80 with code SPRING
        + VAT €7.45)" (PaymentAttempt.charged_display)."""
        attempt = self.posting.current_attempt  # selected with the posting
        if attempt is None or not attempt.is_settled:
            return ""
        return f"Paid {attempt.charged_display}"

    def _refunds_made(self):
        """Refunds we did not ask for (made from Stripe's Dashboard): ours are the refund
        jobs above."""
        return RefundMade.objects.filter(
            payment__posting=self.posting, by_us=False, status__in=["succeeded", "pending"]
        ).select_related("payment")

    def _refund_made(self, refund):
        partial = refund.amount < refund.payment.amount
        note = "part of your payment" if partial else "your payment in full"
        if refund.status != "succeeded":
            note += "; on its way back to your card"
        return Entry(
            f"Refund of {refund.amount_display}",
            refund.status == "succeeded",
            refund.created_at,
            note=note,
        )

    @cached_property
    def disputes(self):
        """The disputes of the posting's payments, oldest first (one query)."""
        return sorted(self.posting.disputes.all(), key=lambda dispute: dispute.opened_at)

    @property
    def dispute_won(self):
        """A dispute was decided in our favour and none is open: the posting is back."""
        disputes = self.disputes
        return any(d.is_won for d in disputes) and not any(d.is_open for d in disputes)

    @property
    def dispute_open(self):
        return any(dispute.is_open for dispute in self.disputes)

    def _dispute(self, dispute):
        """A dispute in plain words: who disputed, what it means for the posting."""
        label = f"Payment of {dispute.amount_display} disputed through your bank"
        if dispute.is_open:
            taken_down = bool(dispute.posting_status_before)
            note = "your bank is looking into it" + (
                "; your posting is off the board until it is decided" if taken_down else ""
            )
            return Entry(label, False, dispute.opened_at, note=note)
        if dispute.is_won:
            return Entry(
                label,
                True,
                dispute.closed_at,
                note="decided in our favour: the payment stands and your posting is back",
            )
        return Entry(
            label,
            False,
            dispute.closed_at,
            error=(
                f"Your bank returned {dispute.amount_display} to you, so the posting has "
                "ended. This was not a refund from us."
            ),
        )

    def _steps(self):
        """The steps before payment; once paid, those the posting went through (a step
        switched on since it paid is not one it owes)."""
        posting = self.posting
        steps = self.flow.before_payment(posting)
        if not posting.is_paid:
            return steps
        return [
            step
            for step in steps
            if step.is_complete(posting) or "completed_at" in step.data(posting)
        ]

    def _step(self, step):
        data = step.data(self.posting)
        at = parse_datetime(data["completed_at"]) if data.get("completed_at") else None
        return Entry(
            step.ledger_label,
            step.is_complete(self.posting),
            at,
            note=step.ledger_note(self.posting),
        )

    def _effect(self, effect):
        kind = kind_named(effect.kind)
        label = kind.describe(effect)
        if effect.needs_attention:
            return Entry(
                label,
                False,
                effect.failed_at,
                error="It did not go through; our staff have been told.",
            )
        if effect.in_flight:
            retrying = effect.attempts > 0
            return Entry(
                label,
                False,
                note="the provider is not answering; we keep trying" if retrying else "",
            )
        return Entry(label, kind.is_done(effect), effect.sent_at, note=kind.employer_note(effect))

    def _review(self):
        """Read from what the review's transitions record: the rejection's reason, the
        publication's date; not needed once the payment went back before review."""
        posting = self.posting
        if posting.rejection_reason:
            rejected = posting.transitions.filter(transition="reject").first()
            return Entry(
                "Reviewed",
                False,
                rejected.at if rejected else None,
                error=f"Not approved: {posting.rejection_reason}",
            )
        if posting.published_at:
            return Entry("Reviewed", True, posting.published_at, note="approved")
        if posting.refunded_at:
            refund = posting.refunds.first()
            withdrawn = refund is None or refund.reason in (
                Refund.Reason.WITHDRAWN,
                Refund.Reason.STAFF,
            )
            note = (
                "withdrawn before review" if withdrawn else "not reviewed: the payment was refunded"
            )
            return Entry("Reviewed", False, note=note, not_needed=True)
        if posting.status == Status.DISPUTED:
            return Entry("Reviewed", False, note="not while the payment is disputed")
        if posting.status == Status.DISPUTE_LOST:
            return Entry(
                "Reviewed", False, note="not reviewed: the payment went back", not_needed=True
            )
        return Entry("Reviewed", False, note="our staff will review it shortly")

    def _publication(self):
        """On the board: once approved; never, once the review or the payment ended it."""
        posting = self.posting
        if posting.published_at:
            note = "" if posting.is_public else "now off the board"
            return Entry("Published on the board", True, posting.published_at, note=note)
        ended = posting.rejection_reason or posting.refunded_at
        if ended or posting.status == Status.DISPUTE_LOST:
            return Entry("Published on the board", False, not_needed=True)
        return Entry("Published on the board", False, note="once approved")

    @property
    def awaiting_review(self):
        """Paid and not yet decided: the page opens with the confirmation panel."""
        return self.posting.status in (Status.PAID, Status.CONFIRMED, Status.IN_REVIEW)

    @cached_property
    def can_withdraw(self):
        """Before review the employer may withdraw: their payment can still be refunded,
        and no refund of it is asked for yet."""
        posting = self.posting
        return can_proceed(posting.mark_refunded) and not posting.refund_requested

    def _email_sent(self, email):
        if email is None or email.in_flight:
            retrying = email is not None and email.attempts > 0
            note = "the email provider is not answering; we keep trying" if retrying else ""
            return Entry("Confirmation email sent", False, note=note)
        if email.state == Job.State.FAILED:
            return Entry(
                "Confirmation email sent",
                False,
                email.failed_at,
                error=(
                    "A problem on our side; we are working on it."
                    if email.payload.get("our_side")
                    else f"We couldn't email you at {email.target}."
                ),
            )
        return Entry("Confirmation email sent", True, email.sent_at, note=f"to {email.target}")

    def _shows_delivery(self):
        """The provider reports deliveries, or reported this receipt bounced (an ESP's
        bounce may arrive with delivery reports off): a "sent ✓" alone would mislead."""
        bounced = self.email is not None and self.email.state == Job.State.BOUNCED
        return settings.EMAIL_DELIVERY_REPORTS or bounced

    def _email_delivered(self, email):
        if email is not None and email.state == Job.State.DELIVERED:
            return Entry("Confirmation email delivered", True, email.delivered_at)
        if email is not None and email.state == Job.State.BOUNCED:
            return Entry(
                "Confirmation email delivered",
                False,
                email.failed_at,
                error=f"The mail server for {email.target} refused our email.",
            )
        return Entry(
            "Confirmation email delivered", False, note="waiting for the provider's report"
        )

    @property
    def email_needs_attention(self):
        return self.email is not None and self.email.needs_attention

    @property
    def receipt_on_its_way(self):
        """The confirmation email is queued or being sent (or, for a posting an older
        release left paid, about to be queued by the recovery)."""
        return self.email is None or self.email.in_flight

    @property
    def receipt_problem(self):
        """What became of a receipt that failed or bounced, in a sentence for the employer;
        "" when nothing went wrong."""
        if not self.email_needs_attention:
            return ""
        if self.email.state == Job.State.BOUNCED:
            return f"The mail server for {self.email.target} refused the email with your receipt."
        if self.receipt_failed_on_our_side:
            return (
                "We could not send your receipt because of a problem on our side, not with "
                "your address. We are working on it."
            )
        return f"We could not send your receipt to {self.email.target}."

    @property
    def receipt_failed_on_our_side(self):
        """The receipt failed for a reason of ours (wizard.effects.email decides)."""
        return self.email_needs_attention and bool(self.email.payload.get("our_side"))

    @property
    def busy(self):
        """Something the employer sees is under way, and finishes within seconds."""
        return any(effect.in_flight for effect in self.effects)

    @cached_property
    def phase(self):
        """What the confirmation page waits for, and so how often it asks: `busy` (our
        own work, seconds), `review` (a person, minutes or hours: until staff decide or
        a withdrawal's refund ends it, the payment can still be refunded), or `settled`
        (nothing more happens without the employer, so polling stops)."""
        if self.busy:
            return "busy"
        if can_proceed(self.posting.mark_refunded):
            return "review"
        return "settled"

    @property
    def poll_seconds(self):
        return {"busy": 2, "review": settings.REVIEW_POLL_SECONDS}.get(self.phase)


def _in_order_of_events(entry):
    """What happened, by its time; then what is to come; then what no longer will."""
    if entry.not_needed:
        return (2, _LONG_AGO)
    if entry.happened:
        return (0, entry.at or _LONG_AGO)
    return (1, _LONG_AGO)

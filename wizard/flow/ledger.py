"""The employer's view of a paid posting: what has happened, when, and what went wrong.

Drawn from the flow's steps, the payment, every side effect the posting is owed
(whatever its kind) and the review.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime

from wizard.effects.email import KIND as EMAIL
from wizard.effects.email import Email
from wizard.jobs.kinds import kind_named
from wizard.jobs.models import Job
from wizard.postings.models import Status

AWAITING_REVIEW = (Status.CONFIRMED, Status.IN_REVIEW)


@dataclass(frozen=True)
class Entry:
    label: str
    done: bool
    at: datetime | None = None
    note: str = ""
    error: str = ""


class Ledger:
    def __init__(self, posting, flow):
        self.posting = posting
        self.flow = flow
        self.effects = list(posting.jobs.all())
        self.email = next(
            (e for e in self.effects if e.kind == EMAIL and e.name == Email.CONFIRMATION), None
        )

    @property
    def entries(self):
        posting = self.posting
        return [
            *(self._step(step) for step in self.flow.before_payment(posting)),
            Entry("Payment confirmed", posting.paid_at is not None, posting.paid_at),
            self._email_sent(self.email),
            *([self._email_delivered(self.email)] if settings.EMAIL_DELIVERY_REPORTS else []),
            *(self._effect(effect) for effect in self.effects if effect.kind != EMAIL),
            self._review(),
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
        if effect.needs_attention and not kind.employer_sees_failure:
            return Entry(label, False, note="delayed; our staff are on it")
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
        posting = self.posting
        if posting.status == Status.REJECTED:
            rejected = posting.transitions.filter(transition="reject").first()
            return Entry(
                "Reviewed",
                False,
                rejected.at if rejected else None,
                error=f"Not approved: {posting.rejection_reason}",
            )
        if posting.published_at:
            note = "published" if posting.is_public else "published, now off the board"
            return Entry("Reviewed", True, posting.published_at, note=note)
        if posting.status == Status.REFUNDED:
            return Entry("Reviewed", False, note="withdrawn before review")
        return Entry("Reviewed", False, note="our staff will review it shortly")

    @property
    def can_withdraw(self):
        posting = self.posting
        return posting.status in AWAITING_REVIEW and not posting.refund_requested

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
                error=f"We couldn't email you at {email.target}.",
            )
        return Entry("Confirmation email sent", True, email.sent_at, note=f"to {email.target}")

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
    def busy(self):
        """Something is under way that the employer sees finish within seconds."""
        if any(effect.in_flight for effect in self.effects):
            return True
        return self.posting.status == Status.PAID and not self.email_needs_attention

    @property
    def phase(self):
        """What the confirmation page waits for, and so how often it asks: `busy` (our
        own work, seconds), `review` (a person, minutes or hours), or `settled`
        (nothing more happens without the employer, so polling stops)."""
        if self.busy:
            return "busy"
        if self.posting.status in AWAITING_REVIEW and not self.email_needs_attention:
            return "review"
        return "settled"

    @property
    def poll_seconds(self):
        return {"busy": 2, "review": settings.REVIEW_POLL_SECONDS}.get(self.phase)

"""The employer's view of a paid posting: what has happened, when, and what went wrong."""

from dataclasses import dataclass
from datetime import datetime

from wizard.effects.models import EmailRecord
from wizard.postings.models import Status

IN_FLIGHT = [EmailRecord.State.QUEUED, EmailRecord.State.SENDING]


@dataclass(frozen=True)
class Entry:
    label: str
    done: bool
    at: datetime | None = None
    note: str = ""
    error: str = ""


class Ledger:
    def __init__(self, posting):
        self.posting = posting
        self.transitions = {log.transition: log.at for log in posting.transitions.all()}
        self.email = posting.emails.filter(kind=EmailRecord.Kind.CONFIRMATION).first()

    @property
    def entries(self):
        posting, email = self.posting, self.email
        logo_done = posting.state.reached(Status.LOGO_READY)
        return [
            Entry(
                "Logo stored",
                logo_done,
                self.transitions.get("complete_logo_step"),
                note="" if posting.logo or not logo_done else "skipped",
            ),
            Entry(
                "Details saved",
                posting.state.reached(Status.DETAILS_READY),
                self.transitions.get("complete_details_step"),
            ),
            Entry("Payment confirmed", posting.paid_at is not None, posting.paid_at),
            self._email_sent(email),
            self._email_delivered(email),
            self._review(),
        ]

    def _review(self):
        posting = self.posting
        if posting.status == Status.REJECTED:
            return Entry(
                "Reviewed",
                False,
                self.transitions.get("reject"),
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
        return self.posting.status in (Status.CONFIRMED, Status.IN_REVIEW)

    def _email_sent(self, email):
        if email is None or email.state in IN_FLIGHT:
            retrying = email is not None and email.attempts > 0
            note = "the email provider is not answering; we keep trying" if retrying else ""
            return Entry("Confirmation email sent", False, note=note)
        if email.state == EmailRecord.State.FAILED:
            return Entry(
                "Confirmation email sent",
                False,
                email.failed_at,
                error=f"We couldn't email you at {email.to}.",
            )
        return Entry("Confirmation email sent", True, email.sent_at, note=f"to {email.to}")

    def _email_delivered(self, email):
        if email is not None and email.state == EmailRecord.State.DELIVERED:
            return Entry("Confirmation email delivered", True, email.delivered_at)
        if email is not None and email.state == EmailRecord.State.BOUNCED:
            return Entry(
                "Confirmation email delivered",
                False,
                email.failed_at,
                error=f"The mail server for {email.to} refused our email.",
            )
        return Entry(
            "Confirmation email delivered", False, note="waiting for the provider's report"
        )

    @property
    def email_needs_attention(self):
        return self.email is not None and self.email.needs_attention

    @property
    def settled(self):
        """Nothing more will happen without the employer: polling can stop."""
        if self.posting.emails.filter(state__in=IN_FLIGHT).exists():
            return False
        return self.posting.status != Status.PAID or self.email_needs_attention

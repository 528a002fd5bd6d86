"""The record of each outbound side effect."""

from django.db import models
from django.utils import timezone

from wizard.postings.models import JobPosting


class EmailRecord(models.Model):
    """One email the employer should receive: unique per (posting, kind), sent at most once
    per request (a resend re-queues the same row)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Payment confirmation (submitted for review)"
        RESUME_LINK = "resume_link", "Link to finish later"
        APPROVED = "approved", "Posting approved"
        REJECTED = "rejected", "Posting rejected"
        EXPIRING = "expiring", "Posting expiring soon"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    NEEDS_ATTENTION = [State.FAILED, State.BOUNCED]

    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to = models.EmailField(blank=True, help_text="The address of the last attempt.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    esp_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["posting", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "kind"], name="one_email_per_posting_and_kind"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to or self.posting.contact_email}"

    @property
    def needs_attention(self):
        return self.state in self.NEEDS_ATTENTION

"""Stripe's webhook deliveries as stored: every signature-verified event, its body as
received and the job that processes it (wizard.payments.webhooks stores them,
wizard.payments.stripe_events processes them)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from wizard.jobs.models import Job
from wizard.postings import attention
from wizard.postings.models import JobPosting


class StripeEventQuerySet(models.QuerySet):
    """An event's state is its job's (wizard.jobs); an event stored by the previous
    release has none until it is adopted (wizard.payments.stripe_events)."""

    # Not processed yet: queued, being attempted, retrying, or not adopted yet.
    PENDING = Q(job=None) | Q(job__state__in=Job.IN_FLIGHT)
    # Given up on: a permanent error, or EFFECT_MAX_ATTEMPTS attempts.
    FAILED = Q(job__state=Job.State.FAILED)

    def pending(self):
        return self.filter(self.PENDING)

    def processed(self):
        return self.filter(job__state=Job.State.SENT)

    def failed(self):
        return self.filter(self.FAILED)

    def needing_attention(self):
        """Not processed and failing: retrying after an error, or given up on."""
        return self.filter(
            Q(job__state=Job.State.FAILED)
            | (Q(job__state__in=Job.IN_FLIGHT) & ~Q(job__last_error=""))
        )


class StripeEvent(models.Model):
    """Every signature-verified webhook delivery, stored (with the body as received)
    together with its job, in one transaction; the job runner processes it."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    posting = models.ForeignKey(
        JobPosting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stripe_events",
        help_text="The posting the event names, when it names one of ours.",
    )
    body = models.TextField(blank=True, help_text="The request body exactly as Stripe sent it.")
    payload = models.JSONField(help_text="The body parsed, for querying.")
    received_at = models.DateTimeField(auto_now_add=True)
    job = models.OneToOneField(
        Job,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stripe_event",
        help_text="Its processing: attempts, state, last error.",
    )
    # Kept for the rolling upgrade (the previous release reads and writes them); unused,
    # the job has the processing's state. Removed next release.
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="The last attempt's error.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the attempt under way started."
    )
    failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When processing was given up (staff are alerted)."
    )
    task_id = models.UUIDField(
        null=True, blank=True, help_text="The task row of the last queued attempt."
    )

    objects = StripeEventQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"

    @property
    def state(self):
        """For staff: queued, retrying, processed or failed (from its job)."""
        job = self.job
        if job is None:
            return "queued"
        if job.state == Job.State.SENT:
            return "processed"
        if job.state == Job.State.FAILED:
            return "failed"
        return "retrying" if job.last_error else "queued"


@attention.reason("webhook", "Webhook error")
def _failed_webhook():
    return Exists(StripeEvent.objects.needing_attention().filter(posting=OuterRef("pk")))

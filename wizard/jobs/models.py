"""The record of each job: what is due, how far it got, what went wrong."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from wizard.postings import attention
from wizard.postings.models import JobPosting


class JobQuerySet(models.QuerySet):
    def of_kind(self, kind, name=None):
        found = self.filter(kind=kind)
        return found if name is None else found.filter(name=name)

    def needing_attention(self):
        return self.filter(state__in=Job.NEEDS_ATTENTION)


class Job(models.Model):
    """One piece of work owed to a third party or received from one: an email, a
    search-engine notification, a refund, a Stripe event to process…

    It belongs to a posting, to an employer (the sign-in email), or to none (a Stripe
    event is the stored event's job; the event names the posting, if any). Unique by its
    key (and per (posting, kind, name)).
    Created or re-queued in the transaction that decides it is due, then run by
    wizard.jobs.runner: at most once per request without crashes, at most one duplicate
    per crash.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "In progress"
        SENT = "sent", "Done"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    NEEDS_ATTENTION = [State.FAILED, State.BOUNCED]
    IN_FLIGHT = [State.QUEUED, State.SENDING]

    posting = models.ForeignKey(
        JobPosting, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    # A job of an employer's account rather than of a posting (the sign-in email).
    employer = models.ForeignKey(
        "wizard.Employer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
        db_index=False,  # job_by_employer below, built concurrently
    )
    kind = models.CharField(max_length=30, help_text="The registered kind: email, indexing, …")
    name = models.CharField(
        max_length=255, help_text="Which one of its kind, e.g. the email, the Stripe event's id."
    )
    key = models.CharField(
        max_length=300, unique=True, help_text="Idempotency key, given to providers that take one."
    )
    payload = models.JSONField(default=dict, blank=True)
    target = models.CharField(max_length=500, blank=True, help_text="Where the last attempt went.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    provider_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        db_table = "wizard_effect"  # its name before jobs had their own package
        ordering = ["posting_id", "queued_at", "id"]  # by the column: no join to lock across
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "kind", "name"], name="one_effect_per_posting_kind_and_name"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(
                fields=["employer"], condition=Q(employer__isnull=False), name="job_by_employer"
            ),
        ]

    def __str__(self):
        owner = f" for {self.posting_id}" if self.posting_id else ""
        return f"{self.kind} {self.name}{owner}"

    @property
    def needs_attention(self):
        return self.state in self.NEEDS_ATTENTION

    @property
    def in_flight(self):
        return self.state in self.IN_FLIGHT


class BudgetUse(models.Model):
    """How many attempts a kind with a budget (wizard.jobs.kinds.Budget) made in one
    window: counted under this row's lock when an attempt is claimed."""

    kind = models.CharField(max_length=30)
    window_start = models.DateTimeField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "wizard_job_budget_use"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "window_start"], name="one_budget_use_per_window"
            )
        ]

    def __str__(self):
        return f"{self.kind}: {self.used} since {self.window_start:%Y-%m-%d %H:%M}"


@attention.reason("effect", "A side effect failed (email, refund, indexing, …)")
def _failed_effect():
    return Exists(Job.objects.needing_attention().filter(posting=OuterRef("pk")))


class StaffNotice(models.Model):
    """Something staff are told (wizard.jobs.staff_alert): raised once per (posting, name),
    then sent on each channel in one digest, that channel's job (never in two)."""

    key = models.CharField(max_length=300, unique=True, help_text="The name, and the posting.")
    posting = models.ForeignKey(
        JobPosting, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_notices"
    )
    name = models.CharField(max_length=255)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    email_digest = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="emailed_notices"
    )
    webhook_digest = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="posted_notices"
    )

    class Meta:
        db_table = "wizard_staff_notice"
        ordering = ["raised_at", "id"]

    def __str__(self):
        return self.subject

"""What Stripe tells us and what we ask of it: refunds and the stored webhook events."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from wizard.jobs.models import Job
from wizard.postings import attention
from wizard.postings.models import JobPosting
from wizard.postings.money import money


class PaymentAttempt(models.Model):
    """One press of "Pay" that reserved a checkout: its price, what it pays for, its
    Checkout Session, how it ended and, once paid, its PaymentIntent. This is the payment:
    the posting points at its current attempt (JobPosting.current_attempt) and copies
    none of its fields (wizard.payments.attempts)."""

    class State(models.TextChoices):
        RESERVED = "reserved", "Reserved (no session yet)"
        OPEN = "open", "Checkout open"
        PROCESSING = "processing", "Payment processing (a delayed method)"
        PAID = "paid", "Paid"
        CLOSED = "closed", "Closed without payment"

    posting = models.ForeignKey(
        JobPosting, on_delete=models.CASCADE, related_name="payment_attempts"
    )
    number = models.PositiveIntegerField()
    amount = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    reviewed = models.CharField(
        max_length=32, help_text="The content fingerprint the employer saw when pressing Pay."
    )
    expires_at = models.DateTimeField()
    session_id = models.CharField(max_length=255, blank=True, db_index=True)
    session_url = models.URLField(max_length=2000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    payment_intent_id = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="Set when the attempt is paid."
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    # The delayed method the session completed with ("sepa_debit", "us_bank_account"…),
    # recorded when its payment starts processing; "" for a card.
    payment_method_type = models.CharField(max_length=40, blank=True, default="", db_default="")

    class Meta:
        ordering = ["posting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "number"], name="one_attempt_per_posting_and_number"
            )
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.posting_id} ({self.get_state_display()})"

    @staticmethod
    def key_for(posting_id, number):
        """The Idempotency-Key of an attempt's create request."""
        return f"jobwizard-checkout-{posting_id}-{number}"

    @property
    def idempotency_key(self):
        return self.key_for(self.posting_id, self.number)

    @property
    def is_paid(self):
        return bool(self.payment_intent_id)

    @property
    def holds_its_price(self):
        """Reserved, open or paid: its price is the one paid or to be paid. A closed
        attempt's is not: the next press of Pay reads the price in the settings."""
        return self.state != self.State.CLOSED or self.is_paid

    @property
    def amount_display(self):
        return money(self.amount, self.currency)


class Refund(models.Model):
    """A refund of one payment (PaymentIntent), recorded before Stripe is asked for it."""

    class Reason(models.TextChoices):
        SUPERSEDED = "superseded", "Payment for a session that was no longer current"
        MISMATCH = "mismatch", "Amount, currency or posting did not match"
        ABANDONED = "abandoned", "Payment for an abandoned posting"
        STAFF = "staff", "Refunded by staff"
        REJECTED = "rejected", "Posting rejected in review"
        WITHDRAWN = "withdrawn", "Withdrawn by the employer before review"
        EXTERNAL = "external", "Refunded outside Jobwizard (Stripe dashboard)"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    posting = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="refunds")
    payment_intent_id = models.CharField(max_length=255, unique=True)
    checkout_session_id = models.CharField(max_length=255, blank=True)
    amount = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    stripe_status = models.CharField(
        max_length=20, blank=True, help_text="The refund's status at Stripe, as last reported."
    )
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Refund of {self.payment_intent_id} ({self.get_state_display()})"

    @property
    def amount_display(self):
        return money(self.amount, self.currency)


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


@attention.reason("refund", "Refund failed")
def _failed_refund():
    return Exists(Refund.objects.filter(posting=OuterRef("pk"), state=Refund.State.FAILED))


@attention.reason("mismatch", "Payment mismatch")
def _mismatched_payment():
    return Exists(Refund.objects.filter(posting=OuterRef("pk"), reason=Refund.Reason.MISMATCH))


@attention.reason("webhook", "Webhook error")
def _failed_webhook():
    return Exists(StripeEvent.objects.needing_attention().filter(posting=OuterRef("pk")))

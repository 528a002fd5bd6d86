"""What card issuers tell us of a payment: disputes (chargebacks, inquiries) and early fraud
warnings, as Stripe last reported them (wizard.payments.disputes and fraud_warnings act on
them)."""

from django.db import models
from django.db.models import Exists, OuterRef

from wizard.payments.models import PaymentAttempt
from wizard.postings import attention
from wizard.postings.models import JobPosting
from wizard.postings.money import money


class Dispute(models.Model):
    """One dispute (chargeback or inquiry) of a payment, as Stripe last reported it
    (wizard.payments.disputes brings it up to date from Stripe on every event)."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs a response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs a response"
        UNDER_REVIEW = "under_review", "Under review"
        APPEAL_NEEDS_RESPONSE = "appeal_needs_response", "Appeal: needs a response"
        APPEAL_UNDER_REVIEW = "appeal_under_review", "Appeal: under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        PREVENTED = "prevented", "Prevented (refunded by a prevention program)"

    # Still open: the bank may yet take the money back.
    OPEN = [
        Status.WARNING_NEEDS_RESPONSE,
        Status.WARNING_UNDER_REVIEW,
        Status.NEEDS_RESPONSE,
        Status.UNDER_REVIEW,
        Status.APPEAL_NEEDS_RESPONSE,
        Status.APPEAL_UNDER_REVIEW,
    ]
    # Closed with the money ours: the posting goes back to what it was.
    KEPT = [Status.WON, Status.WARNING_CLOSED]
    # Closed with the money gone back to the card holder: the posting ends.
    GONE = [Status.LOST, Status.PREVENTED]
    # Staff can still act: evidence is due.
    NEEDS_RESPONSE = [
        Status.WARNING_NEEDS_RESPONSE,
        Status.NEEDS_RESPONSE,
        Status.APPEAL_NEEDS_RESPONSE,
    ]

    posting = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="disputes")
    payment = models.ForeignKey(
        PaymentAttempt,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disputes",
        help_text="The payment disputed.",
    )
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    charge_id = models.CharField(max_length=255, db_index=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    amount = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=30)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    funds_withdrawn = models.PositiveIntegerField(
        default=0, help_text="Minor units taken from our balance (the amount, fees apart)."
    )
    funds_reinstated = models.PositiveIntegerField(
        default=0, help_text="Minor units given back to our balance."
    )
    livemode = models.BooleanField(default=False)
    # The posting's status when this dispute took it down (empty if it did not): a won
    # dispute brings it back there.
    posting_status_before = models.CharField(max_length=32, blank=True)
    opened_at = models.DateTimeField(help_text="When Stripe opened the dispute.")
    closed_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self):
        return f"Dispute {self.stripe_dispute_id} ({self.status_label})"

    @property
    def status_label(self):
        try:
            return self.Status(self.status).label
        except ValueError:
            return self.status.replace("_", " ")

    @property
    def is_open(self):
        return self.status in self.OPEN

    @property
    def is_lost(self):
        return self.status in self.GONE

    @property
    def is_won(self):
        return self.status in self.KEPT

    @property
    def amount_display(self):
        return money(self.amount, self.currency)

    @property
    def dashboard_url(self):
        """The dispute in Stripe's dashboard, where staff submit evidence."""
        mode = "" if self.livemode else "test/"
        return f"https://dashboard.stripe.com/{mode}disputes/{self.stripe_dispute_id}"


class FraudWarning(models.Model):
    """An early fraud warning (Stripe Radar) on one of our payments' charges, and what we
    did about it (wizard.payments.fraud_warnings)."""

    stripe_id = models.CharField(max_length=255, unique=True)
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="fraud_warnings")
    charge_id = models.CharField(max_length=255)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    fraud_type = models.CharField(max_length=40)
    actionable = models.BooleanField()
    action = models.CharField(max_length=255, help_text="What Jobwizard did about it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Early fraud warning {self.stripe_id} ({self.fraud_type})"


@attention.reason("fraud_warning", "Early fraud warning")
def _fraud_warning():
    return Exists(FraudWarning.objects.filter(posting=OuterRef("pk")))


@attention.reason("dispute", "Payment disputed")
def _open_dispute():
    """A dispute of one of the posting's payments is open; the admin shows its evidence
    deadline (the "Disputes" table on the posting, and the list's column)."""
    return Exists(Dispute.objects.filter(posting=OuterRef("pk"), status__in=Dispute.OPEN))

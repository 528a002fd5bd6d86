"""What Stripe tells us and what we ask of it: refunds and the stored webhook events."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from wizard.jobs.models import Job
from wizard.payments.tax import NOTES as TAX_NOTES
from wizard.postings import attention
from wizard.postings.models import JobPosting, Status
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

    class Purpose(models.TextChoices):
        FIRST = "first", "First payment"
        RENEWAL = "renewal", "Renewal"
        UPGRADE = "upgrade", "Upgrade to featured"

    posting = models.ForeignKey(
        JobPosting, on_delete=models.CASCADE, related_name="payment_attempts"
    )
    # What it pays for: the posting's first listing, more time (a renewal), or more (an
    # upgrade); fulfilment applies each in its own way.
    purpose = models.CharField(
        max_length=10, choices=Purpose.choices, default=Purpose.FIRST, db_default=Purpose.FIRST
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
    # What Stripe has refunded of this payment so far, by anyone (us, or the Dashboard),
    # as its charge last reported it (amount_refunded); each refund is a RefundMade row.
    amount_refunded = models.PositiveIntegerField(default=0, db_default=0, help_text="Minor units.")
    # The days on the board a renewal buys (wizard.payments.purposes), kept so that its
    # refund takes back exactly what it added; None for other purposes.
    days = models.PositiveIntegerField(null=True, blank=True)
    # The delayed method the session completed with ("sepa_debit", "us_bank_account"…),
    # recorded when its payment starts processing; "" for a card.
    payment_method_type = models.CharField(max_length=40, blank=True, default="", db_default="")
    # Stripe's documents for a paid attempt: the invoice Checkout created (its id, hosted
    # page and PDF) and the charge's receipt; "" until recorded (wizard.payments).
    invoice_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    invoice_url = models.URLField(max_length=2000, blank=True, default="", db_default="")
    invoice_pdf_url = models.URLField(max_length=2000, blank=True, default="", db_default="")
    receipt_url = models.URLField(max_length=2000, blank=True, default="", db_default="")
    # What it buys (wizard.postings.plans), read when it is reserved: the plan (None: the
    # settings' standard listing, or a purpose that buys no plan), its list price, and
    # whether it features the posting. `days` above is the plan's lifetime for a first
    # payment. `amount` is the price until paid, then what Stripe charged: the price less
    # the discount of a promotion code plus tax, all as Stripe's session reported them.
    plan = models.ForeignKey(
        "wizard.Plan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # nothing looks payments up by plan
    )
    price = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minor units: the list price, before discount and tax."
    )
    featured = models.BooleanField(default=False, db_default=False)
    discount = models.PositiveIntegerField(default=0, db_default=0, help_text="Minor units.")
    tax = models.PositiveIntegerField(default=0, db_default=0, help_text="Minor units.")
    promotion_code = models.CharField(max_length=255, blank=True, default="", db_default="")
    # Why no tax was charged, as Stripe Tax said ("reverse_charge", "customer_exempt"…), "".
    tax_note = models.CharField(max_length=40, blank=True, default="", db_default="")
    # The Stripe Customer the checkout was for (one that carries the employer's VAT number).
    customer_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    # When a later payment's purpose (a renewal…) was applied to the posting: its witness.
    # Not the state: a process of the previous release, which knows no purposes, may record
    # a renewal's session paid (as the posting's own payment) without applying it.
    applied_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def list_price(self):
        """The price before discount and tax (attempts from before plans: their amount)."""
        return self.amount if self.price is None else self.price

    @property
    def list_price_display(self):
        return money(self.list_price, self.currency)

    @property
    def discount_display(self):
        return money(self.discount, self.currency)

    @property
    def tax_display(self):
        return money(self.tax, self.currency)

    @property
    def tax_note_display(self):
        """Why no tax was charged, for people: "VAT: reverse charge"; "" for none."""
        return TAX_NOTES.get(self.tax_note, "")

    @property
    def charged_display(self):
        """What was charged, as the ledger, receipts, account pages and the admin say it:
        the amount, then how it came to be: "€46.65 (€49.00 less €9.80 with code SPRING
        + VAT €7.45)", "€49.00 (VAT: reverse charge)", or the amount alone."""
        how = []
        if self.discount or self.tax:
            how.append(self.list_price_display)
        if self.discount:
            code = f" with code {self.promotion_code}" if self.promotion_code else ""
            how.append(f"less {self.discount_display}{code}")
        if self.tax:
            how.append(f"+ VAT {self.tax_display}")
        if note := self.tax_note_display:
            how.append(f"; {note}" if how else note)
        said = " ".join(how).replace(" ;", ";")
        return f"{self.amount_display} ({said})" if said else self.amount_display

    @property
    def is_settled(self):
        """Paid, with money or without (a promotion code that made the total zero)."""
        return self.state == self.State.PAID

    @property
    def is_free(self):
        """Settled with nothing charged: a promotion code took the whole price, so there
        is no PaymentIntent, no charge, nothing to refund or dispute. (A payment the
        release before attempts recorded is settled without an intent too, but with its
        amount.)"""
        return self.is_settled and not self.payment_intent_id and self.amount == 0

    @property
    def partly_refunded(self):
        return 0 < self.amount_refunded < self.amount

    @property
    def amount_refunded_display(self):
        """What Stripe refunded of it so far, by anyone (staff see it beside the amount)."""
        return money(self.amount_refunded, self.currency)

    amount_refunded_display.fget.short_description = "Refunded at Stripe"


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
        FRAUD_WARNING = "fraud_warning", "Early fraud warning from the card issuer"

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


class RefundMade(models.Model):
    """One refund Stripe made (or is making) of a payment, whoever asked for it: several
    may refund one payment (partial refunds from the Dashboard). Refund, above, is our own
    decision to refund a payment in full; this is what Stripe reports."""

    payment = models.ForeignKey(
        PaymentAttempt, on_delete=models.CASCADE, related_name="refunds_made"
    )
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, help_text="The refund's status at Stripe.")
    stripe_reason = models.CharField(max_length=40, blank=True)
    by_us = models.BooleanField(
        default=False, help_text="Asked by Jobwizard (its metadata names the posting)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.stripe_refund_id} of {self.payment.payment_intent_id} ({self.status})"

    @property
    def amount_display(self):
        return money(self.amount, self.currency)


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


@attention.reason("partly_refunded", "Partly refunded at Stripe")
def _partly_refunded():
    """Stripe refunded part of the posting's own payment (its Dashboard, say): the posting
    goes on, staff decide what the rest means."""
    partly = PaymentAttempt.objects.filter(
        pk=OuterRef("current_attempt_id"), amount_refunded__gt=0, amount_refunded__lt=F("amount")
    )
    return Exists(partly.exclude(posting__status=Status.REFUNDED))


@attention.reason("fraud_warning", "Early fraud warning")
def _fraud_warning():
    return Exists(FraudWarning.objects.filter(posting=OuterRef("pk")))


@attention.reason("webhook", "Webhook error")
def _failed_webhook():
    return Exists(StripeEvent.objects.needing_attention().filter(posting=OuterRef("pk")))


@attention.reason("dispute", "Payment disputed")
def _open_dispute():
    """A dispute of one of the posting's payments is open; the admin shows its evidence
    deadline (the "Disputes" table on the posting, and the list's column)."""
    return Exists(Dispute.objects.filter(posting=OuterRef("pk"), status__in=Dispute.OPEN))

"""What Stripe tells us and what we ask of it: payments (each an attempt) and refunds."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef

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

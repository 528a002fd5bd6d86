"""The posting and its life: state rules live here and nowhere else."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django_countries.fields import CountryField
from django_fsm import (
    RETURN_VALUE,
    ConcurrentTransitionMixin,
    FSMField,
    TransitionNotAllowed,
    can_proceed,
    transition,
)

from wizard.postings import attention, plans, progress, reference
from wizard.postings.business import business_of, is_held
from wizard.postings.location import LocationMixin, Workplace
from wizard.postings.money import money, price_identity
from wizard.postings.queries import JobPostingQuerySet
from wizard.postings.search import PostingSearchVector
from wizard.postings.statuses import (
    CLOSED_TO_THE_WIZARD,
    DISPUTABLE,
    ENDED_BY_A_REFUND,
    PAID_LIFE,
    REFUND_PERMISSION,
    REFUNDABLE,
    REVIEW_PERMISSION,
    Actor,
    Status,
    status_label,
)

# Defined beside their own rules; named here too, where most code looks for them.
__all__ = [
    "CLOSED_TO_THE_WIZARD",
    "DISPUTABLE",
    "PAID_LIFE",
    "REFUNDABLE",
    "REFUND_PERMISSION",
    "REVIEW_PERMISSION",
    "Actor",
    "Currency",
    "EmploymentType",
    "JobPosting",
    "Status",
    "TransitionLog",
    "Workplace",
    "new_nonce",
    "status_label",
]


def new_nonce():
    """A fresh random value for a link's nonce (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", "Full-time"
    PART_TIME = "part_time", "Part-time"
    CONTRACT = "contract", "Contract"
    TEMPORARY = "temporary", "Temporary"
    INTERNSHIP = "internship", "Internship"


class Currency(models.TextChoices):
    USD = "usd", "USD"
    EUR = "eur", "EUR"
    GBP = "gbp", "GBP"
    CAD = "cad", "CAD"
    AUD = "aud", "AUD"


class JobPosting(LocationMixin, ConcurrentTransitionMixin, models.Model):
    """One row tracks a posting through every step; `status` is the furthest step completed.

    Every status change goes through a @transition method below, called with
    `by` (an Actor) and `why` (a sentence for the log), inside transaction.atomic()
    on a row locked with select_for_update(). See wizard.postings.transitions.

    To reload one, fetch it again (`JobPosting.objects.get(pk=...)`), never
    `refresh_from_db()`: django-fsm's version switches the protection of `status` off
    and on again on the field, which every thread shares, so a concurrent reload in
    another thread raises "Direct status modification is not allowed".
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = FSMField(max_length=32, default=Status.DRAFT, protected=True)
    # What the wizard's steps record for themselves, by step name (e.g. a skipped logo,
    # a verified phone number): a step's completion is decided from its own data.
    step_data = models.JSONField(default=dict, blank=True)

    company_name = models.CharField(max_length=120, blank=True)
    logo = models.ImageField(blank=True, max_length=255)
    title = models.CharField(max_length=120, blank=True)
    # Where the job is (see clean_location): an on-site or hybrid job has an office
    # (city, optional region, country); a fully remote job has none, but names the
    # countries its applicants may live in. Blank only on a draft not yet that far.
    workplace = models.CharField(max_length=10, choices=Workplace.choices, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    # An explicit max_length (every code and comma), so that a django-countries release
    # with another country does not ask for a migration.
    applicant_countries = CountryField(multiple=True, blank=True, max_length=746)
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices, blank=True)
    salary_min = models.PositiveIntegerField(null=True, blank=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    salary_currency = models.CharField(max_length=3, choices=Currency.choices, blank=True)
    description = models.TextField(max_length=10_000, blank=True)
    apply_url = models.URLField(
        max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    apply_email = models.EmailField(blank=True)
    contact_email = models.EmailField(blank=True, help_text="Where the receipt goes.")
    # The signed-in employer who owns it (wizard.employers); None for a posting made
    # anonymously, which its browser session owns (wizard.flow.ownership).
    employer = models.ForeignKey(
        "wizard.Employer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postings",
        db_index=False,  # posting_by_employer below, built concurrently
    )

    # What the employer chose to buy (their plan step; wizard.postings.plans): None and ""
    # until chosen, and on a board without plans. What was paid is the attempt's record
    # (whose plan is PROTECT): a draft's choice does not keep a plan staff delete, the
    # draft forgets it (SET_NULL, done by Django: the scan of the postings by plan it needs
    # is paid on a plan's deletion only) and its plan step asks again.
    plan = models.ForeignKey(
        "wizard.Plan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # nothing looks postings up by plan: no index to build on a big table
    )
    currency = models.CharField(max_length=3, blank=True, default="", db_default="")
    # Pinned above the others on the board while published: set at publication by a
    # featured plan, or by a paid upgrade (wizard.payments.purposes), unset by its refund.
    featured = models.BooleanField(default=False, db_default=False)

    # Payment: the current attempt (wizard.payments.PaymentAttempt) is the payment, with
    # its price (copied from settings when the attempt starts, so that a price change
    # never alters a checkout under way), its Checkout Session and its PaymentIntent.
    current_attempt = models.ForeignKey(
        "wizard.PaymentAttempt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest press of Pay; nothing on the posting copies its fields.",
    )
    # The previous release's copy of the current attempt. Kept in the database for its
    # processes during a rolling upgrade; this release writes it in one place only
    # (wizard.payments.attempts.keep_previous_release_in_step) and never reads it.
    # Drop these in the next release.
    price_amount = models.PositiveIntegerField(null=True, blank=True, help_text="Minor units.")
    price_currency = models.CharField(max_length=3, blank=True)
    payment_attempt = models.PositiveIntegerField(default=0)
    checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)

    # The "finish later" link (wizard.flow.finish_later) is signed over this; a new value
    # invalidates every link sent before it. The column keeps its first name.
    finish_later_nonce = models.CharField(max_length=32, blank=True, db_column="resume_nonce")
    # The lasting "manage your posting" link (wizard.postings.links) is signed over this;
    # the employer replaces it ("send me a new link"), which invalidates every link sent
    # before. Empty only for postings made before it existed: their links, signed over the
    # id alone, keep working until the first replacement.
    manage_nonce = models.CharField(max_length=32, blank=True, default=new_nonce)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    slug = models.SlugField(max_length=120, unique=True, null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    # Full-text search over the title, company, description and place, computed by the
    # database on every write (PostgreSQL; NULL on SQLite): wizard.postings.search.
    search_vector = models.GeneratedField(
        expression=PostingSearchVector(),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    # The last failure: a friendly sentence for the employer, the detail for staff.
    last_error_message = models.CharField(max_length=255, blank=True)
    last_error_detail = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["status", "-published_at"]),
            # The board: its pages in order, and its count read from the index alone
            # (slug, which the board requires, included; INCLUDE only on PostgreSQL).
            models.Index(
                fields=["-published_at", "-id"],
                include=["slug"],
                condition=Q(status=Status.PUBLISHED),
                name="wizard_board_published_idx",
            ),
            # The board in its order (featured first, then newest: wizard.board.search's
            # BOARD_ORDER): a page is the first rows of this index, a filtered page or a
            # search's page the first that match, and the capped count reads it alone.
            models.Index(
                fields=["-featured", "-published_at", "-id"],
                include=["slug"],
                condition=Q(status=Status.PUBLISHED),
                name="wizard_board_order_idx",
            ),
            # An employer's postings, newest first ("Your postings").
            models.Index(
                fields=["employer", "-created_at"],
                condition=Q(employer__isnull=False),
                name="posting_by_employer",
            ),
        ]
        permissions = [
            ("refund_posting", "Can refund a posting's payment"),
            ("review_posting", "Can approve, reject and withdraw postings"),
        ]

    def __str__(self):
        title = self.title or "Untitled posting"
        return f"{title} at {self.company_name}" if self.company_name else title

    @property
    def status_label(self):
        return status_label(self.status)

    @property
    def is_public(self):
        return self.status == Status.PUBLISHED

    @property
    def is_paid(self):
        return self.status in PAID_LIFE

    @property
    def is_before_payment(self):
        return self.status not in CLOSED_TO_THE_WIZARD

    @property
    def has_checkout_open(self):
        """A checkout is open: only its end (paid, expired, released) moves the posting."""
        return self.status == Status.AWAITING_PAYMENT

    @property
    def is_payment_processing(self):
        """A delayed payment method's money is on its way: nothing may change the posting
        (no edit, no new checkout) until Stripe says it arrived or failed."""
        return self.status == Status.PAYMENT_PROCESSING

    @property
    def is_editable(self):
        """Its content may still change: neither paid nor with a payment on its way."""
        return not self.is_paid and not self.is_payment_processing

    @property
    def is_abandoned(self):
        return self.status == Status.ABANDONED

    @property
    def reference(self):
        """The short reference people read out (wizard.postings.reference)."""
        return reference.reference(self.pk)

    @property
    def price_display(self):
        """What the employer pays: the current attempt's price while it holds (reserved,
        open or paid); before any attempt, or after it closed, the price of the listing it
        chose (wizard.postings.plans), which the next press of Pay reserves."""
        return money(*self.price)

    @property
    def price(self):
        """(amount in minor units, currency) of what the employer pays, as price_display."""
        if self.current_attempt_id is None or not self.current_attempt.holds_its_price:
            chosen = plans.listing_for(self) or plans.standard_listing()
            return chosen.amount, chosen.currency
        return self.current_attempt.amount, self.current_attempt.currency

    def record_error(self, message, detail=""):
        self.last_error_message = message
        self.last_error_detail = detail or message
        self.last_error_at = timezone.now()

    def clear_error(self):
        self.last_error_message = ""
        self.last_error_detail = ""
        self.last_error_at = None

    # --- Transitions ------------------------------------------------------
    # `by` and `why` are read by the transition log (wizard.postings.transitions).

    @transition(
        field=status,
        source="*",
        target=RETURN_VALUE(),
        conditions=[lambda posting: posting.is_before_payment],
    )
    def advance_wizard(self, *, to, by, why):
        """Record how far the wizard has got; `to` is decided by the flow from its steps.

        Only before payment and without a checkout open; it can never reach payment or
        beyond, and READY_TO_PAY means every step before payment is complete.
        """
        if self.status == Status.AWAITING_PAYMENT or to in CLOSED_TO_THE_WIZARD:
            raise TransitionNotAllowed(f"The wizard cannot move a posting to {to}.")
        if to == Status.AWAITING_PAYMENT:
            raise TransitionNotAllowed("Only a checkout opens payment.")
        return to

    @transition(
        field=status,
        source=[Status.READY_TO_PAY, Status.AWAITING_PAYMENT],
        target=Status.AWAITING_PAYMENT,
        # The stored status is not the only witness: the flow, asked now, must agree
        # that every applicable step before payment is complete (wizard.postings.progress).
        conditions=[progress.ready_to_pay],
    )
    def open_checkout(self, *, by, why):
        """The current attempt's Checkout Session is open (wizard.payments.checkout)."""

    @transition(field=status, source=Status.AWAITING_PAYMENT, target=Status.READY_TO_PAY)
    def close_checkout(self, *, by, why):
        """Back to the payment step: the session expired, failed, or the employer edits again."""

    @transition(field=status, source=Status.AWAITING_PAYMENT, target=Status.PAYMENT_PROCESSING)
    def start_processing(self, *, by, why):
        """The current attempt's session completed unpaid: a delayed method's payment is on
        its way (wizard.payments.fulfilment); only its outcome moves the posting on."""
        self.clear_error()

    @transition(
        field=status,
        source=[Status.AWAITING_PAYMENT, Status.PAYMENT_PROCESSING],
        target=Status.READY_TO_PAY,
    )
    def fail_payment(self, *, by, why):
        """The delayed payment failed (async_payment_failed): back to the payment step; the
        employer is told on the page and by email (wizard.effects.email)."""

    @transition(
        field=status,
        source=[Status.AWAITING_PAYMENT, Status.PAYMENT_PROCESSING],
        target=Status.PAID,
    )
    def mark_paid(self, *, by, why):
        """The current attempt is paid; it records the payment (wizard.payments.fulfilment)."""
        self.paid_at = timezone.now()
        self.clear_error()

    @transition(field=status, source=Status.PAID, target=Status.CONFIRMED)
    def confirm(self, *, by, why):
        self.confirmed_at = timezone.now()
        self.clear_error()

    @transition(field=status, source=Status.CONFIRMED, target=Status.IN_REVIEW)
    def submit_for_review(self, *, by, why):
        pass

    @property
    def refund_requested(self):
        """A refund of this posting's payment is recorded: review must not go on."""
        payment_intent_id = self.current_attempt.payment_intent_id if self.current_attempt else ""
        if not payment_intent_id:
            return False
        if "refund_of_current_payment" in self.__dict__:
            # Annotated by the query that loaded the posting (the confirmation page's).
            return self.refund_of_current_payment
        return self.refunds.filter(payment_intent_id=payment_intent_id).exists()

    @transition(
        field=status,
        source=Status.IN_REVIEW,
        target=Status.PUBLISHED,
        # A VAT number that proved invalid after payment holds publication (wizard.postings
        # .business, VAT_HOLD_PUBLICATION) until staff release it.
        conditions=[lambda posting: not posting.refund_requested, lambda p: not is_held(p)],
        permission=REVIEW_PERMISSION,
        custom={"admin": True, "label": "Approve and publish"},
    )
    def approve(self, *, by, why):
        self.published_at = timezone.now()
        bought = self.current_attempt
        days = (bought.days if bought else None) or settings.POSTING_LIFETIME_DAYS
        self.expires_at = self.published_at + timedelta(days=days)
        self.featured = bool(bought and bought.featured)
        if not self.slug:
            self.slug = (
                f"{slugify(self.title)[:60]}-{slugify(self.company_name)[:40]}-{self.pk.hex[:6]}"
            )

    @transition(
        field=status,
        source=Status.IN_REVIEW,
        target=Status.REJECTED,
        conditions=[lambda posting: not posting.refund_requested],
        permission=REVIEW_PERMISSION,
        custom={"admin": True, "label": "Reject and refund", "needs_reason": True},
    )
    def reject(self, *, by, why):
        self.rejection_reason = why

    @transition(field=status, source=Status.PUBLISHED, target=Status.EXPIRED)
    def expire(self, *, by, why):
        self.expires_at = min(self.expires_at or timezone.now(), timezone.now())

    @transition(
        field=status,
        source=Status.PUBLISHED,
        target=Status.EXPIRED,
        permission=REVIEW_PERMISSION,
        custom={"admin": True, "label": "Withdraw from the board", "needs_reason": True},
    )
    def withdraw(self, *, by, why):
        self.expires_at = timezone.now()

    @transition(
        field=status,
        source=Status.PUBLISHED,
        target=Status.PUBLISHED,
        permission=REVIEW_PERMISSION,
    )
    def apply_revision(self, *, by, why):
        """Staff approved the employer's edit (wizard.postings.revising, which has put its
        values on the posting): the new content is live, until the same expiry date.
        Logged as every transition; the service announces events.revised."""

    @property
    def was_withdrawn(self):
        """Staff took it off the board: it may never come back by a renewal. A list of
        postings reads it in its one query (JobPostingQuerySet.with_withdrawal)."""
        if "withdrawn" in self.__dict__:
            return self.withdrawn
        return self.transitions.filter(transition="withdraw").exists()

    @transition(
        field=status,
        source=Status.EXPIRED,
        target=Status.PUBLISHED,
        conditions=[lambda posting: not posting.was_withdrawn],
    )
    def relist(self, *, by, why):
        """A renewal was paid for the expired posting (wizard.payments.purposes): back on
        the board until its new expiry, with no second review (its content is unchanged)."""

    @property
    def is_renewable(self):
        """More time may be bought for it: on the board, or expired and allowed back."""
        return self.status == Status.PUBLISHED or can_proceed(self.relist)

    @transition(field=status, source=REFUNDABLE, target=Status.REFUNDED)
    def mark_refunded(self, *, by, why):
        self.refunded_at = timezone.now()

    @transition(field=status, source=ENDED_BY_A_REFUND, target=Status.REFUNDED)
    def end_with_refund(self, *, by, why):
        """Its payment was refunded in full by a refund it did not ask for (Stripe's
        Dashboard, an early fraud warning): the posting ends, off the board if it was on."""
        self.refunded_at = timezone.now()
        if self.expires_at is not None:
            self.expires_at = min(self.expires_at, self.refunded_at)

    # --- Disputes (wizard.payments.disputes): the card holder's bank takes the money back.

    @transition(field=status, source=DISPUTABLE, target=Status.DISPUTED)
    def take_down_for_dispute(self, *, by, why):
        """Off the board (and the search engines) while the payment is disputed; the
        dispute's record keeps the status it had, to go back to if the dispute is won."""

    @transition(
        field=status,
        source=Status.DISPUTED,
        target=RETURN_VALUE(Status.IN_REVIEW, Status.PUBLISHED, Status.EXPIRED),
    )
    def restore_after_dispute(self, *, before, by, why):
        """The dispute was won: back to the status it had (`before`). A posting that was
        on the board goes back on it only if its time is not up; one paid but not yet
        reviewed goes back to review."""
        if before in (Status.PUBLISHED, Status.EXPIRED):
            on_time = self.expires_at is not None and self.expires_at > timezone.now()
            return Status.PUBLISHED if before == Status.PUBLISHED and on_time else Status.EXPIRED
        return Status.IN_REVIEW

    @transition(field=status, source=[Status.DISPUTED, *DISPUTABLE], target=Status.DISPUTE_LOST)
    def end_for_lost_dispute(self, *, by, why):
        """The dispute was lost: the posting ends (its money went back through the bank,
        not refunded by us)."""
        if self.published_at and (self.expires_at is None or self.expires_at > timezone.now()):
            self.expires_at = timezone.now()

    @transition(
        field=status,
        source="*",
        target=Status.ABANDONED,
        conditions=[lambda posting: posting.is_before_payment],
    )
    def abandon(self, *, by, why):
        pass

    # What the employer writes on the details step (wizard.flow.forms.DetailsForm).
    DETAILS_FIELDS = [
        "company_name",
        "title",
        "workplace",
        "city",
        "region",
        "country",
        "applicant_countries",
        "employment_type",
        "salary_min",
        "salary_max",
        "salary_currency",
        "description",
        "apply_url",
        "apply_email",
        "contact_email",
    ]
    # What the employer reviews before paying, and so what a payment pays for.
    REVIEWED_FIELDS = ["logo", *DETAILS_FIELDS]

    @property
    def content_digest(self):
        """A short fingerprint of what the payment page shows: "Pay" carries the one the
        employer saw, and no checkout opens if the posting changed since (another tab).

        It covers the plan and currency chosen (when one is: a posting without a plan has
        the fingerprint it had before plans), because the price alone does not: while an
        attempt holds its price `price` reads the attempt's, and two plans may cost the
        same. Choosing another plan after pressing Pay must not pay for the old one.

        It covers the business's country and VAT number as the employer gave them (when
        given), which decide the tax and the Stripe customer; not what the registry said
        of them, which the re-check job may change while the employer pays."""
        values = [
            self._meta.get_field(field).value_to_string(self) for field in self.REVIEWED_FIELDS
        ]
        values.append(price_identity(*self.price))
        if self.plan_id is not None:
            values.append(f"plan {self.plan_id} {self.currency}")
        business = business_of(self)
        if business.country or business.vat_number:
            values.append(f"business {business.country} {business.vat_number}")
        return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:24]

    @property
    def has_details(self):
        return bool(
            self.company_name
            and self.title
            and self.employment_type
            and self.description
            and (self.apply_url or self.apply_email)
            and self.contact_email
            and self.has_location
        )


class TransitionLog(models.Model):
    """One row per status change: from, to, when, who and why."""

    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="transitions")
    transition = models.CharField(max_length=64)
    source = models.CharField(max_length=32)
    target = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(
        max_length=16,
        choices=[(Actor.EMPLOYER, "Employer"), (Actor.STAFF, "Staff"), (Actor.SYSTEM, "System")],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.CharField(max_length=255)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.source} → {self.target} by {self.user or self.actor}"


@attention.reason("stuck", "Stuck past its threshold")
def _stuck():
    stuck_before = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)
    return Q(status__in=[Status.PAID, Status.AWAITING_PAYMENT], updated_at__lt=stuck_before)

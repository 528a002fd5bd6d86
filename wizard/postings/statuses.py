"""The posting's statuses and who moves it between them.

The rules about which transition may happen live on the model's transitions
(wizard.postings.models); these are the names they use.
"""

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    """The explicit states. Before payment the status is a projection of the flow
    (wizard.postings.progress): it follows the statuses its steps declare ("logo_ready",
    …) through advance_wizard, and the flow, not the status, says when payment may open."""

    DRAFT = "draft", "Draft"
    READY_TO_PAY = "ready_to_pay", "Ready to pay"
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    # Checkout completed with a delayed method (SEPA Debit, ACH, Bacs, boleto…): the money
    # is on its way; Stripe says later whether it arrived (wizard.payments.fulfilment).
    PAYMENT_PROCESSING = "payment_processing", "Payment processing"
    PAID = "paid", "Paid"
    CONFIRMED = "confirmed", "Confirmed"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    REFUNDED = "refunded", "Refunded"
    # A dispute (chargeback) of its payment is open: off the board until it is won.
    DISPUTED = "disputed", "Disputed: off the board"
    # The dispute was lost: the posting ended, its money went back through the bank.
    DISPUTE_LOST = "dispute_lost", "Ended: payment disputed"
    ABANDONED = "abandoned", "Abandoned"


# The life after payment, explicit; every other status lies before payment.
PAID_LIFE = [
    Status.PAID,
    Status.CONFIRMED,
    Status.IN_REVIEW,
    Status.PUBLISHED,
    Status.REJECTED,
    Status.EXPIRED,
    Status.REFUNDED,
    Status.DISPUTED,
    Status.DISPUTE_LOST,
]
# A payment on its way closes the wizard too: no edit, no new checkout, never abandoned.
CLOSED_TO_THE_WIZARD = [*PAID_LIFE, Status.PAYMENT_PROCESSING, Status.ABANDONED]
# A refund of the posting's own payment ends it (rejection refunds, but stays rejected).
REFUNDABLE = [Status.PAID, Status.CONFIRMED, Status.IN_REVIEW]
# The paid statuses in which the employer holds the service they paid for: a refund made
# outside the app (Stripe's Dashboard, an early fraud warning) ends a posting in any of
# them (a rejected one was refunded already), and a dispute of its payment takes it down
# from any of them (wizard.payments.disputes).
HOLDING_THE_SERVICE = [*REFUNDABLE, Status.PUBLISHED, Status.EXPIRED]
ENDED_BY_A_REFUND = HOLDING_THE_SERVICE
DISPUTABLE = HOLDING_THE_SERVICE


def status_label(value):
    """The label of any status, including those the flow's steps declare."""
    try:
        return Status(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Actor:
    """Who caused a transition: the employer's browser, a staff user, or the system."""

    kind: str
    user: object = None

    EMPLOYER = "employer"
    STAFF = "staff"
    SYSTEM = "system"

    @classmethod
    def employer(cls):
        return cls(cls.EMPLOYER)

    @classmethod
    def system(cls):
        return cls(cls.SYSTEM)

    @classmethod
    def staff(cls, user):
        return cls(cls.STAFF, user)


REVIEW_PERMISSION = "wizard.review_posting"
REFUND_PERMISSION = "wizard.refund_posting"

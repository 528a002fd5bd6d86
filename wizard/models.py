"""The app's models, defined in the area that owns each; Django loads them from here."""

from wizard.effects.models import Effect
from wizard.payments.models import PaymentAttempt, Refund, StripeEvent
from wizard.postings.models import (
    Actor,
    EmploymentType,
    JobPosting,
    Status,
    TransitionLog,
    Workplace,
)

__all__ = [
    "Actor",
    "Effect",
    "EmploymentType",
    "JobPosting",
    "PaymentAttempt",
    "Refund",
    "Status",
    "StripeEvent",
    "TransitionLog",
    "Workplace",
]

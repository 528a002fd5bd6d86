"""The app's models, defined in the area that owns each (Django loads them from here)."""

from wizard.effects.models import Effect
from wizard.payments.models import Refund, StripeEvent
from wizard.postings.models import (
    PAID_LIFE,
    REFUNDABLE,
    Actor,
    Currency,
    EmploymentType,
    JobPosting,
    Status,
    TransitionLog,
)

__all__ = [
    "PAID_LIFE",
    "REFUNDABLE",
    "Actor",
    "Currency",
    "Effect",
    "EmploymentType",
    "JobPosting",
    "Refund",
    "Status",
    "StripeEvent",
    "TransitionLog",
]

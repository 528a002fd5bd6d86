"""The app's models, defined in the area that owns each (Django loads them from here)."""

from wizard.effects.models import EmailRecord
from wizard.payments.models import Refund, StripeEvent
from wizard.postings.models import (
    BEFORE_PAYMENT,
    REFUNDABLE,
    Actor,
    Currency,
    EmploymentType,
    JobPosting,
    Status,
    TransitionLog,
)

__all__ = [
    "BEFORE_PAYMENT",
    "REFUNDABLE",
    "Actor",
    "Currency",
    "EmailRecord",
    "EmploymentType",
    "JobPosting",
    "Refund",
    "Status",
    "StripeEvent",
    "TransitionLog",
]

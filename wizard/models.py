"""The app's models, defined in the area that owns each; Django loads them from here."""

from wizard.board.models import BoardVersion
from wizard.employers.models import Employer
from wizard.employers.sign_in import SignInRequest
from wizard.jobs.models import BudgetUse, Job, StaffNotice
from wizard.limits import LimitKey, LimitUse
from wizard.ops.models import Heartbeat, MoneyDifferenceCount
from wizard.payments.chargebacks import Dispute, FraudWarning
from wizard.payments.models import PaymentAttempt, Refund, RefundMade
from wizard.payments.webhook_events import StripeEvent
from wizard.postings.models import (
    Actor,
    EmploymentType,
    JobPosting,
    Status,
    TransitionLog,
    Workplace,
)
from wizard.postings.numbers import DailyNumbers
from wizard.postings.plans import Plan, PlanPrice
from wizard.postings.revisions import PostingRevision

__all__ = [
    "Actor",
    "BoardVersion",
    "BudgetUse",
    "DailyNumbers",
    "Dispute",
    "Employer",
    "Job",
    "EmploymentType",
    "FraudWarning",
    "Heartbeat",
    "JobPosting",
    "LimitKey",
    "LimitUse",
    "MoneyDifferenceCount",
    "PaymentAttempt",
    "Plan",
    "PlanPrice",
    "PostingRevision",
    "Refund",
    "RefundMade",
    "SignInRequest",
    "StaffNotice",
    "Status",
    "StripeEvent",
    "TransitionLog",
    "Workplace",
]

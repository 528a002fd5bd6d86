"""Staff review and the posting's public life: approve, reject, withdraw, expire.

Every change is a model transition applied here, under the row lock, with its
email queued in the same transaction; a rejection's refund goes through the
payments refund service after the commit.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from wizard.effects.models import EmailRecord
from wizard.effects.runner import queue_email
from wizard.payments import refunds
from wizard.payments.models import Refund
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting


def _check_permission(posting, name, by):
    """Staff need the transition's permission; a transition the state refuses fails later."""
    transition = getattr(posting, name)._django_fsm.get_transition(posting.status)
    if by.kind == Actor.STAFF and transition and not transition.has_perm(posting, by.user):
        raise PermissionDenied(f"{by.user} may not {name} postings.")


def approve(posting_id, *, by, reason=""):
    with locked_posting(posting_id) as posting:
        _check_permission(posting, "approve", by)
        posting.approve(by=by, why=reason or "Approved")
        posting.save()
        queue_email(posting, EmailRecord.Kind.APPROVED)
    return posting


def reject(posting_id, *, by, reason):
    """Reject with a reason the employer will read, and refund the payment."""
    with locked_posting(posting_id) as posting:
        _check_permission(posting, "reject", by)
        posting.reject(by=by, why=reason)
        posting.save()
        record = refunds.record_own_refund(posting, Refund.Reason.REJECTED, by=by, note=reason)
        queue_email(posting, EmailRecord.Kind.REJECTED)
    # After the commit: if Stripe is down the refund stays pending and the reconciler retries.
    try:
        refunds.execute(record, by=by)
    except refunds.PaymentError:
        pass
    return posting


def withdraw(posting_id, *, by, reason):
    """Take a published posting off the board before it expires (no refund)."""
    with locked_posting(posting_id) as posting:
        _check_permission(posting, "withdraw", by)
        posting.withdraw(by=by, why=reason)
        posting.save()
    return posting


def withdraw_before_review(posting_id, *, by):
    """The employer changes their mind before review: refund, and the posting ends."""
    posting = JobPosting.objects.get(pk=posting_id)
    return refunds.refund(posting, Refund.Reason.WITHDRAWN, by=by, note="Withdrawn by the employer")


STAFF_TRANSITIONS = {"approve": approve, "reject": reject, "withdraw": withdraw}


def expire_due_postings():
    """Published postings past their expiry leave the board. Returns their ids."""
    expired = []
    for posting_id in JobPosting.objects.expiring_before(timezone.now()).values_list(
        "pk", flat=True
    ):
        with locked_posting(posting_id) as posting:
            if not posting.is_public or posting.expires_at > timezone.now():
                continue
            posting.expire(by=Actor.system(), why="Reached its expiry date")
            posting.save()
        expired.append(posting_id)
    return expired


def warn_expiring_postings():
    """Email employers whose posting expires within EXPIRY_WARNING_DAYS, once per posting."""
    soon = timezone.now() + timedelta(days=settings.EXPIRY_WARNING_DAYS)
    warned = []
    due = JobPosting.objects.expiring_before(soon).exclude(emails__kind=EmailRecord.Kind.EXPIRING)
    for posting_id in due.values_list("pk", flat=True):
        with locked_posting(posting_id) as posting:
            if (
                not posting.is_public
                or posting.emails.filter(kind=EmailRecord.Kind.EXPIRING).exists()
            ):
                continue
            queue_email(posting, EmailRecord.Kind.EXPIRING)
        warned.append(posting_id)
    return warned

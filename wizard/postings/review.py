"""Staff review and the posting's public life: submit, approve, reject, withdraw, expire.

Every change is a model transition applied here, under the row lock. What follows
from it (the employer's email, a rejection's refund, the search engines' notice) is
done by the subscribers of the lifecycle event the transition announces
(wizard.postings.events).

A paid posting goes to review at once, in the transaction that records its payment:
nothing else it is owed (its receipt, wizard.effects.email) holds it back.
"""

from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone
from django_fsm import can_proceed

from wizard.postings import business, events
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting


def submit(posting, *, why="Paid"):
    """Confirm the locked posting's payment and put it in the review queue; the caller
    saves it. Each step is a transition, logged."""
    posting.confirm(by=Actor.system(), why=f"{why}: payment confirmed")
    posting.submit_for_review(by=Actor.system(), why=f"{why}: submitted for review")


@receiver(events.paid)
def submit_paid_posting(sender, posting, **kwargs):
    """Called as the payment is recorded, before the posting is saved (mark_paid's
    caller saves it with its new status)."""
    submit(posting)


def _check_permission(posting, name, by):
    """Staff need the transition's permission; a transition the state or its conditions
    refuse fails later, as TransitionNotAllowed, whoever asks."""
    transition = next((t for t in posting.get_all_status_transitions() if t.name == name), None)
    if by.kind == Actor.STAFF and transition and not transition.has_perm(posting, by.user):
        raise PermissionDenied(f"{by.user} may not {name} postings.")


def approve(posting_id, *, by, reason=""):
    with locked_posting(posting_id) as posting:
        _check_permission(posting, "approve", by)
        posting.approve(by=by, why=reason or "Approved")
        posting.save()
    return posting


# Why staff reject a posting, as the employer reads it (the rejection email quotes it).
REJECT_REASONS = [
    ("not_hiring", "Not a real job or not hiring"),
    ("misleading", "Missing or misleading information"),
    ("discriminatory", "Discriminatory or illegal"),
    ("duplicate", "Duplicate of another posting"),
    ("spam", "Spam or scam"),
    ("other", "Other"),
]


def rejection_text(reason, note=""):
    """The reason's words and staff's note, as one text for the log and the email."""
    words = dict(REJECT_REASONS).get(reason, reason)
    note = note.strip()
    if reason == "other" and note:
        return note
    return f"{words}. {note}" if note else words


def reject(posting_id, *, by, reason):
    """Reject with a reason the employer will read; the payment is refunded."""
    with locked_posting(posting_id) as posting:
        _check_permission(posting, "reject", by)
        posting.reject(by=by, why=reason)
        posting.save()
    return posting


def withdraw(posting_id, *, by, reason):
    """Take a published posting off the board before it expires (no refund)."""
    with locked_posting(posting_id) as posting:
        _check_permission(posting, "withdraw", by)
        posting.withdraw(by=by, why=reason)
        posting.save()
    return posting


STAFF_TRANSITIONS = {"approve": approve, "reject": reject, "withdraw": withdraw}


def expire_due_postings():
    """Published postings past their expiry leave the board. Returns their ids."""
    expired = []
    for posting_id in JobPosting.objects.expiring_before(timezone.now()).values_list(
        "pk", flat=True
    ):
        with locked_posting(posting_id) as posting:
            if not can_proceed(posting.expire) or posting.expires_at > timezone.now():
                continue  # withdrawn or given more time meanwhile
            posting.expire(by=Actor.system(), why="Reached its expiry date")
            posting.save()
        expired.append(posting_id)
    return expired


def release_hold(posting_id, *, by):
    """Staff release a held publication (the admin's action): the posting may be approved.
    Returns whether it was held."""
    with locked_posting(posting_id) as posting:
        vat = business.business_of(posting)
        if not vat.held:
            return False
        business.keep(posting, replace(vat, held=False))
        business.note_check(
            posting,
            at=timezone.now().isoformat(),
            number=vat.vat_number,
            result="hold released",
            detail=f"by {by}",
        )
        posting.save()
    return True

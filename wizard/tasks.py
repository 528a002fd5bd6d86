"""Background work, run by `manage.py db_worker`."""

import logging

from django.tasks import task

from . import emails
from .models import Actor, JobPosting, Status
from .transitions import locked_posting

logger = logging.getLogger(__name__)


@task()
def send_confirmation_email(posting_id):
    """Email the receipt, then move the posting from paid to confirmed."""
    posting = JobPosting.objects.get(pk=posting_id)
    if posting.status != Status.PAID:
        return "skipped: not awaiting confirmation"
    try:
        emails.confirmation_email(posting).send()
    except Exception as exc:
        with locked_posting(posting_id) as posting:
            posting.record_error(
                "We could not email your confirmation yet. Your payment is safe.",
                f"Confirmation email failed: {type(exc).__name__}: {exc}",
            )
            posting.save()
        raise
    with locked_posting(posting_id) as posting:
        if posting.status == Status.PAID:
            posting.confirm(by=Actor.system(), why="Confirmation email sent")
            posting.save()
    return "sent"

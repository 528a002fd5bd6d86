"""A posting's payment made directly in the database: its current PaymentAttempt."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tests.factories import posting_at
from wizard.models import Actor, JobPosting, PaymentAttempt, Status, TransitionLog
from wizard.payments.attempts import save_current


def attempt_for(posting, *, session_id="cs_test", payment_intent_id="", amount=9900):
    """A new current attempt for the posting: open on `session_id`, or paid by
    `payment_intent_id` when one is given."""
    now = timezone.now()
    attempt = PaymentAttempt.objects.create(
        posting=posting,
        number=posting.payment_attempts.count() + 1,
        amount=amount,
        currency="usd",
        reviewed=posting.content_digest,
        expires_at=now + timedelta(minutes=30),
        session_id=session_id,
        state=PaymentAttempt.State.PAID if payment_intent_id else PaymentAttempt.State.OPEN,
        opened_at=now,
        payment_intent_id=payment_intent_id,
        paid_at=now if payment_intent_id else None,
    )
    with transaction.atomic():
        save_current(posting, attempt)
    return attempt


def paid_as_recorded():
    """A posting paid as the webhook or the return URL records it: in review at once, its
    confirmation email queued (no worker has run)."""
    posting = posting_at(Status.AWAITING_PAYMENT)
    attempt_for(posting, session_id="cs_test_paid", payment_intent_id="pi_paid")
    with transaction.atomic():
        posting.mark_paid(by=Actor.system(), why="Paid in a test")
        posting.save()
    return JobPosting.objects.get(pk=posting.pk)


def waiting_for_review(
    title="Senior Django Engineer", hours=3, description="Build **Django** apps.", **fields
):
    """A paid posting that entered review `hours` (and five minutes) ago, as the queue and
    the dashboard see it: its payment attempt and the log row that put it there."""
    posting = posting_at(Status.IN_REVIEW, title=title, description=description, **fields)
    attempt_for(
        posting, session_id=f"cs_{posting.pk.hex}", payment_intent_id=f"pi_{posting.pk.hex}"
    )
    entered = timezone.now() - timedelta(hours=hours, minutes=5)
    JobPosting.objects.filter(pk=posting.pk).update(paid_at=entered)
    TransitionLog.objects.create(
        posting=posting,
        transition="submit_for_review",
        source=Status.CONFIRMED,
        target=Status.IN_REVIEW,
        actor=Actor.SYSTEM,
        reason="Paid: submitted for review",
        at=entered,
    )
    return JobPosting.objects.get(pk=posting.pk)

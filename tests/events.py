"""Stored Stripe events in a given state, made directly (no delivery, no worker): for
tests of what staff see (admin, metrics, dashboard)."""

from django.utils import timezone

from wizard.jobs.models import Job
from wizard.payments.stripe_events import KIND
from wizard.payments.webhook_events import StripeEvent


def stored_event(event_id, type="x", *, state=Job.State.QUEUED, error="", posting=None, **event):
    """A stored event whose job is in `state` (queued, sent, failed…), with `error` as its
    last error."""
    now = timezone.now()
    job = Job.objects.create(
        kind=KIND,
        name=event_id,
        key=f"{KIND}:{event_id}",
        payload={"type": type},
        state=state,
        attempts=0 if state == Job.State.QUEUED and not error else 1,
        last_error=error,
        sent_at=now if state == Job.State.SENT else None,
        failed_at=now if state == Job.State.FAILED else None,
    )
    return StripeEvent.objects.create(
        event_id=event_id,
        type=type,
        payload=event.pop("payload", {}),
        posting=posting,
        job=job,
        **event,
    )

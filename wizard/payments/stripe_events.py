"""Processing a stored Stripe event: a job of the one runner (kind "stripe_event", named
by the event's id, of no posting), registered here because payments owns the work.

The runner claims, attempts, retries with backoff, fails for good (staff see the event
failed: the "webhook" reason), recovers after a killed worker and runs again on staff's
request, as it does every job. The handlers run outside any lock, ask Stripe for the
current truth (only the object's id is read from the payload) and are idempotent, so a
duplicate after a crash is harmless. Events stored by the previous release have no job
until they are adopted (`adopt_events_without_job`, a recovery repair).
"""

import logging
from contextlib import contextmanager

import stripe
from django.db import IntegrityError, transaction

from wizard.jobs import recovery, runner
from wizard.jobs.kinds import JobKind, register
from wizard.jobs.models import Job
from wizard.payments import client as stripe_client
from wizard.payments import documents
from wizard.payments.checkout import close_ended_checkout
from wizard.payments.client import call
from wizard.payments.disputes import sync_dispute
from wizard.payments.fraud_warnings import handle_warning
from wizard.payments.fulfilment import fulfil
from wizard.payments.refunds import apply_stripe_refund, record_external_refund
from wizard.payments.webhook_events import StripeEvent
from wizard.postings.logcontext import bind_posting
from wizard.postings.models import Actor

logger = logging.getLogger(__name__)

KIND = "stripe_event"


class PermanentEventError(Exception):
    """Processing cannot succeed by retrying: the event fails at once and staff are told."""


# --- Handlers: only the object's id is read from the payload; they ask Stripe for the rest.


def _fulfil_session(event):
    fulfil(_object_id(event), by=Actor.system())


def _close_session(event):
    close_ended_checkout(_object_id(event))


def _charge_refunded(event):
    charge_id = _object_id(event)
    with _visible_to_our_key("charge", charge_id):
        record_external_refund(charge_id, by=Actor.system())


def _refund_changed(event):
    """refund.updated / refund.failed: ask Stripe for the refund (the payload proves
    nothing) and bring our record to its state: made, still pending, or failed."""
    refund_id = _object_id(event)
    stripe_refund = call(lambda stripe_api: stripe_api.v1.refunds.retrieve(refund_id))
    apply_stripe_refund(stripe_refund, by=Actor.system())


def _fraud_warning(event):
    """radar.early_fraud_warning.created / .updated (wizard.payments.fraud_warnings)."""
    warning_id = _object_id(event)
    with _visible_to_our_key("early fraud warning", warning_id):
        handle_warning(warning_id, by=Actor.system())


def _dispute_changed(event):
    """charge.dispute.*: ask Stripe for the dispute and apply it (wizard.payments.disputes);
    every one of these events is handled alike, so their order does not matter."""
    dispute_id = _object_id(event)
    with _visible_to_our_key("dispute", dispute_id):
        sync_dispute(dispute_id, by=Actor.system())


@contextmanager
def _visible_to_our_key(what, object_id):
    """Stripe answers resource_missing for an object of another account or mode: retrying
    cannot help, so the event fails at once for staff to look at."""
    try:
        yield
    except stripe.InvalidRequestError as exc:
        if exc.code != "resource_missing":
            raise
        raise PermanentEventError(
            f"Stripe does not show {what} {object_id} to our API key ({exc.user_message}); "
            f"it may belong to another account or mode. Check the {what} in Stripe's dashboard."
        ) from exc


def _invoice_changed(event):
    """invoice.finalized / invoice.paid: Checkout's invoice got its number, hosted page and
    PDF; recorded on its payment (wizard.payments.documents)."""
    invoice_id = _object_id(event)
    with _visible_to_our_key("invoice", invoice_id):
        documents.invoice_changed(invoice_id)


def _object_id(event):
    return event["data"]["object"]["id"]


HANDLERS = {
    # completed with payment_status "unpaid" (a delayed method) puts the posting in payment
    # processing (fulfil); async_payment_succeeded pays it, async_payment_failed sends it
    # back to the payment step (close_ended_checkout).
    "checkout.session.completed": _fulfil_session,
    "checkout.session.async_payment_succeeded": _fulfil_session,
    "checkout.session.async_payment_failed": _close_session,
    "checkout.session.expired": _close_session,
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
    "radar.early_fraud_warning.created": _fraud_warning,
    "radar.early_fraud_warning.updated": _fraud_warning,
    "charge.dispute.created": _dispute_changed,
    "charge.dispute.updated": _dispute_changed,
    "charge.dispute.closed": _dispute_changed,
    "charge.dispute.funds_withdrawn": _dispute_changed,
    "charge.dispute.funds_reinstated": _dispute_changed,
    "invoice.finalized": _invoice_changed,
    "invoice.paid": _invoice_changed,
}


class StripeEventKind(JobKind):
    name = KIND
    label = "Stripe event"
    provider = "Stripe"

    def describe(self, job):
        return f"Stripe event {job.payload.get('type', '')} {job.name}".replace("  ", " ")

    def in_worker(self):
        return stripe_client.background()  # no employer is waiting

    def perform(self, job):
        """Run the event's handler. The job belongs to no posting, so once the event is read
        the rest of the attempt's lines (the handler's, and the runner's done, retry or
        failed line) name the event's posting, when it names one of ours; a handler that
        finds the posting otherwise names it under the row lock. The runner's own
        posting_context ends it with the attempt."""
        stored = StripeEvent.objects.get(job=job)
        bind_posting(stored.posting_id)
        handler = HANDLERS.get(stored.type)
        if handler is None:
            return "", {"handled": False}  # an event type we do not act on
        handler(stored.payload)
        return ""

    def is_permanent(self, exc):
        """Errors retrying cannot fix: Stripe refused the request (4xx other than 429, which
        `client.call` turns into PaymentProviderUnavailable, as it does 5xx and network
        errors)."""
        return isinstance(exc, PermanentEventError | stripe.StripeError)

    def failed(self, job, posting, exc=None):
        """Only log: staff see the event failed (admin, dashboard, the "webhook" reason)."""
        logger.error("Stripe event %s failed for good: %s", job.name, job.last_error)


register(StripeEventKind())


def queue(stored):
    """Give a stored event its job and queue it, in the caller's transaction."""
    stored.job = runner.queue_new(KIND, stored.event_id, payload={"type": stored.type})
    return stored.job


@recovery.repair
def adopt_events_without_job(stuck_before):
    """Events stored by web processes of the previous release (during a rolling upgrade)
    have no job: give each one, queued (a handler run twice is harmless), unless the
    previous release's worker processed it or gave up on it meanwhile. Returns a sentence
    per event adopted."""
    adopted = []
    for stored_id in StripeEvent.objects.filter(job=None).values_list("pk", flat=True):
        with transaction.atomic():
            stored = StripeEvent.objects.select_for_update().filter(pk=stored_id, job=None).first()
            if stored is None:
                continue  # adopted meanwhile
            try:
                with transaction.atomic():
                    job = queue(stored)
            except IntegrityError:  # a job of its name exists already: it is the event's
                stored.job = Job.objects.get(kind=KIND, name=stored.event_id, posting=None)
            else:
                if stored.processed_at or stored.failed_at:
                    _settle(job, stored)
            stored.save(update_fields=["job"])
        adopted.append(f"Stripe event {stored.event_id} ({stored.type}) adopted by a job")
        logger.warning("Recovery: Stripe event %s had no job; adopted", stored.event_id)
    return adopted


def _settle(job, stored):
    """The previous release finished with the event: its job shows how."""
    state = Job.State.SENT if stored.processed_at else Job.State.FAILED
    Job.objects.filter(pk=job.pk).update(
        state=state,
        attempts=stored.attempts,
        last_error=stored.error,
        sent_at=stored.processed_at,
        failed_at=stored.failed_at,
    )

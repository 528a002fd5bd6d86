"""Inbound Stripe webhooks: verify, store and queue in one transaction, answer at once;
a worker processes each stored event, with retries.

The view never calls Stripe. It verifies the signature, checks the body's shape, and
stores the body exactly as received (plus its parsed JSON, for querying) together with
the task that will process it: both commit, or neither does. Then it answers 2xx, so
Stripe's own retries are needed only when the signature, the body or our database fails:
a signed but malformed body gets a 400, never a 5xx. A repeated delivery of a stored
event id is acknowledged and changes nothing.

The worker (`process_event`) runs the event's handler outside any lock; the handlers ask
Stripe for the current truth and are idempotent. A failure is recorded on the event
(attempts, next attempt, last error) and retried with the effect runner's backoff; a
permanent one (Stripe refuses the request), or the `EFFECT_MAX_ATTEMPTS`-th, gives up and
leaves the event failed for staff (the "webhook" needs-attention reason). An event whose
task was lost is queued again by `requeue_lost_events`, a periodic job.
"""

import json
import logging
import math
from datetime import timedelta

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tasks_db.models import DBTaskResult

from wizard.jobs.runner import backoff, describe
from wizard.payments.checkout import close_ended_checkout
from wizard.payments.client import call
from wizard.payments.fulfilment import fulfil
from wizard.payments.models import StripeEvent
from wizard.payments.refunds import apply_stripe_refund, record_external_refund
from wizard.postings.logcontext import bind_posting, posting_context
from wizard.postings.models import Actor, JobPosting

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
MAX_EVENT_ID_LENGTH = StripeEvent._meta.get_field("event_id").max_length
MAX_TYPE_LENGTH = StripeEvent._meta.get_field("type").max_length
MAX_OBJECT_ID_LENGTH = 255


class MalformedEvent(ValueError):
    """A correctly signed body that is not an event we can store: answered 400."""


class PermanentEventError(Exception):
    """Processing cannot succeed by retrying: the event fails at once and staff are told."""


# --- Handlers: only the object's id is read from the payload; they ask Stripe for the rest.


def _fulfil_session(event):
    fulfil(_object_id(event), by=Actor.system())


def _close_session(event):
    close_ended_checkout(_object_id(event))


def _charge_refunded(event):
    charge_id = _object_id(event)
    try:
        record_external_refund(charge_id, by=Actor.system())
    except stripe.InvalidRequestError as exc:
        if exc.code != "resource_missing":
            raise
        raise PermanentEventError(
            f"Stripe does not show charge {charge_id} to our API key ({exc.user_message}); "
            "it may belong to another account or mode. Check the refund in Stripe's dashboard."
        ) from exc


def _refund_changed(event):
    """refund.updated / refund.failed: ask Stripe for the refund (the payload proves
    nothing) and bring our record to its state: made, still pending, or failed."""
    refund_id = _object_id(event)
    stripe_refund = call(lambda stripe_api: stripe_api.v1.refunds.retrieve(refund_id))
    apply_stripe_refund(stripe_refund, by=Actor.system())


def _object_id(event):
    return event["data"]["object"]["id"]


HANDLERS = {
    # completed with payment_status "unpaid" (a delayed method) is a no-op in fulfil;
    # async_payment_succeeded follows when the money arrives.
    "checkout.session.completed": _fulfil_session,
    "checkout.session.async_payment_succeeded": _fulfil_session,
    "checkout.session.async_payment_failed": _close_session,
    "checkout.session.expired": _close_session,
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
}


def is_permanent(exc):
    """Errors retrying cannot fix: Stripe refused the request (4xx other than 429, which
    `client.call` turns into PaymentProviderUnavailable, as it does 5xx and network errors)."""
    return isinstance(exc, PermanentEventError | stripe.StripeError)


# --- Receiving ------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request):
    body = request.body
    try:
        stripe.WebhookSignature.verify_header(
            body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("Invalid payload or signature.")
    try:
        text, event = parse(body)
    except MalformedEvent as exc:
        logger.warning("Rejected a signed but malformed Stripe webhook: %s", exc)
        return HttpResponseBadRequest(f"Malformed event: {exc}")

    stored = receive(text, event)
    if stored is None:
        return HttpResponse("Already received.")
    bind_posting(stored.posting_id)
    return HttpResponse("Received; queued for processing.")


def receive(text, event):
    """Store a parsed event and queue its processing, in one transaction. Returns the
    stored event, or None when its id was stored before (a repeated delivery)."""
    posting_id = _posting_named_in(event["data"]["object"])
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                body=text,
                payload=event,
                posting_id=posting_id,
                next_attempt_at=timezone.now(),
            )
            _enqueue(stored)
    except IntegrityError:
        if not StripeEvent.objects.filter(event_id=event["id"]).exists():
            raise
        return None
    return stored


def parse(body):
    """The body as text and as the event it holds; raises MalformedEvent for anything
    that cannot be stored and processed as a Stripe event."""
    try:
        text = body.decode("utf-8")
        event = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedEvent(f"not JSON ({exc})") from None
    if not isinstance(event, dict):
        raise MalformedEvent("not a JSON object")
    _check_text(event, "id", MAX_EVENT_ID_LENGTH)
    _check_text(event, "type", MAX_TYPE_LENGTH)
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("data.object is not an object")
    if event["type"] in HANDLERS:
        _check_text(data["object"], "id", MAX_OBJECT_ID_LENGTH, name="data.object.id")
    if not _storable(event):
        raise MalformedEvent("contains a NUL character or an unpaired surrogate")
    return text, event


def _check_text(container, key, max_length, name=None):
    value = container.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise MalformedEvent(f"{name or key} is not a string of 1 to {max_length} characters")


def _no_constant(name):
    raise ValueError(f"{name} is not a number")


def _finite_float(literal):
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"{literal} is out of range")
    return number


def _storable(value):
    """No string (key or value) the databases refuse: NUL, or an unpaired surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _posting_named_in(obj):
    """Our posting's id, from a session's client_reference_id or an object's metadata, if
    that posting exists (only its id is read: the event just points to it)."""
    metadata = obj.get("metadata")
    candidate = obj.get("client_reference_id") or (
        metadata.get("posting_id") if isinstance(metadata, dict) else None
    )
    if not isinstance(candidate, str) or not candidate or len(candidate) > 64:
        return None
    try:
        return JobPosting.objects.filter(pk=candidate).values_list("pk", flat=True).first()
    except (ValueError, ValidationError):
        return None


def _enqueue(stored, run_after=None):
    """Queue an attempt, in the caller's transaction, and remember its task row."""
    assert transaction.get_connection().in_atomic_block, "_enqueue() needs a transaction"
    queued = process_event.using(run_after=run_after) if run_after else process_event
    result = queued.enqueue(stored.pk)
    stored.task_id = result.id
    StripeEvent.objects.filter(pk=stored.pk).update(task_id=result.id)
    return result


# --- Processing -----------------------------------------------------------------------


@task()
def process_event(stored_id):
    return run_now(stored_id)


def run_now(stored_id):
    """One attempt, in this process: claim, handle, record. Returns what happened.
    Lines logged meanwhile name the event's posting, when it names one of ours (a handler
    that finds the posting otherwise names it under the row lock)."""
    posting_id = (
        StripeEvent.objects.filter(pk=stored_id).values_list("posting_id", flat=True).first()
    )
    with posting_context(posting_id):
        return _attempt(stored_id)


def _attempt(stored_id):
    stored = _claim(stored_id)
    if stored is None:
        return "nothing to do"
    handler = HANDLERS.get(stored.type)
    try:
        if handler is not None:
            handler(stored.payload)
    except Exception as exc:  # every failure is recorded and classified below
        return _record_failure(stored_id, exc)
    _record_success(stored_id)
    return "processed" if handler else "ignored: unhandled event type"


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)


def _claim(stored_id):
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().filter(pk=stored_id).first()
        if stored is None or stored.processed_at or stored.failed_at:
            return None  # done already, or given up on
        if stored.started_at and stored.started_at > _stale_before():
            return None  # another attempt is under way
        stored.attempts += 1
        stored.started_at = timezone.now()
        stored.save(update_fields=["attempts", "started_at"])
        return stored


def _record_success(stored_id):
    StripeEvent.objects.filter(pk=stored_id).update(
        processed_at=timezone.now(), error="", started_at=None, next_attempt_at=None
    )


def _record_failure(stored_id, exc):
    detail = describe(exc)
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().get(pk=stored_id)
        stored.error = detail
        stored.started_at = None
        if is_permanent(exc) or stored.attempts >= settings.EFFECT_MAX_ATTEMPTS:
            stored.failed_at = timezone.now()
            stored.next_attempt_at = None
            stored.save()
            logger.error(
                "Stripe event %s (%s) failed for good after %s attempt(s): %s",
                stored.event_id,
                stored.type,
                stored.attempts,
                detail,
            )
            return "failed"
        stored.next_attempt_at = timezone.now() + backoff(stored.attempts)
        stored.save()
        _enqueue(stored, run_after=stored.next_attempt_at)
    logger.warning(
        "Stripe event %s (%s) attempt %s failed, retrying at %s: %s",
        stored.event_id,
        stored.type,
        stored.attempts,
        stored.next_attempt_at,
        detail,
    )
    return "retry scheduled"


def reprocess(stored_id):
    """Staff ask for an event to be processed again now, in this process, whatever its
    state (handlers are idempotent). Returns what happened, as `run_now` does, or "busy"
    when an attempt is under way."""
    with transaction.atomic():
        stored = StripeEvent.objects.select_for_update().get(pk=stored_id)
        if stored.started_at and stored.started_at > _stale_before():
            return "busy"
        stored.processed_at = stored.failed_at = stored.started_at = None
        stored.next_attempt_at = timezone.now()
        stored.save()
    return run_now(stored_id)


# --- Recovery ------------------------------------------------------------------------

LIVE_TASK = [TaskResultStatus.READY, TaskResultStatus.RUNNING]


def _lost():
    """Events waiting for an attempt with no attempt under way; lost if their task is not."""
    return Q(processed_at=None, failed_at=None) & (
        Q(started_at=None) | Q(started_at__lt=_stale_before())
    )


def requeue_lost_events():
    """Queue again each unprocessed event whose task row failed, finished without
    processing it, or vanished. Safe to run concurrently and repeatedly: each event is
    re-checked under its lock. Returns a sentence per event queued."""
    live_tasks = DBTaskResult.objects.filter(status__in=LIVE_TASK).values("id")
    candidates = StripeEvent.objects.filter(_lost()).exclude(task_id__in=live_tasks)
    requeued = []
    for stored_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            stored = StripeEvent.objects.select_for_update().filter(_lost(), pk=stored_id).first()
            if stored is None:
                continue  # processed, given up on, or being attempted meanwhile
            if stored.task_id and live_tasks.filter(id=stored.task_id).exists():
                continue  # queued again meanwhile
            stored.next_attempt_at = timezone.now()
            stored.save(update_fields=["next_attempt_at"])
            _enqueue(stored)
        requeued.append(f"Stripe event {stored.event_id} ({stored.type}) had no task; re-queued")
        logger.warning("Recovery: Stripe event %s had no task; re-queued", stored.event_id)
    return requeued

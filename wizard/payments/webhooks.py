"""Inbound Stripe webhooks: verify, store and queue in one transaction, answer at once.

The view never calls Stripe. It verifies the signature, checks the body's shape, and
stores the body exactly as received (plus its parsed JSON, for querying) together with
its job (wizard.payments.stripe_events): both commit, or neither does. Then it answers
2xx, so Stripe's own retries are needed only when the signature, the body or our
database fails: a signed but malformed body gets a 400, never a 5xx. A repeated delivery
of a stored event id is acknowledged and changes nothing. The job runner processes the
event, with retries.

A thin event notification (Stripe's v2 events, `"object": "v2.core.event"`, sent by an
event destination of the thin kind) is acknowledged 200 and ignored, not stored: it
carries no object, and the app subscribes to none (docs/payments.md, "Stripe set-up"); a
400 would only make Stripe retry it for days.
Events labelled with an API version other than STRIPE_API_VERSION (an endpoint created on
another version) are stored and processed all the same, with a warning logged: the
handlers read only the object's id from an event and ask Stripe, on the pinned version,
for the rest; the warning says to move the endpoint to the pinned version.
"""

import json
import logging
import math

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wizard.payments import stripe_events
from wizard.payments.models import PaymentAttempt
from wizard.payments.webhook_events import StripeEvent
from wizard.postings.logcontext import bind_posting
from wizard.postings.models import JobPosting

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
MAX_EVENT_ID_LENGTH = StripeEvent._meta.get_field("event_id").max_length
MAX_TYPE_LENGTH = StripeEvent._meta.get_field("type").max_length
MAX_OBJECT_ID_LENGTH = 255


class MalformedEvent(ValueError):
    """A correctly signed body that is not an event we can store: answered 400."""


class ThinEvent(Exception):
    """A correctly signed thin (v2) event notification: answered 200 and ignored."""


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
    except ThinEvent as exc:
        logger.info("Ignored a thin Stripe event notification: %s", exc)
        return HttpResponse("Thin event notification: acknowledged, not processed.")
    _warn_of_another_api_version(event)

    stored = receive(text, event)
    if stored is None:
        return HttpResponse("Already received.")
    bind_posting(stored.posting_id)
    return HttpResponse("Received; queued for processing.")


def receive(text, event):
    """Store a parsed event and queue its processing, in one transaction. Returns the
    stored event, or None when its id was stored before (a repeated delivery)."""
    posting_id = _posting_named_in(event["data"]["object"])
    stored = StripeEvent(
        event_id=event["id"], type=event["type"], body=text, payload=event, posting_id=posting_id
    )
    try:
        with transaction.atomic():
            stripe_events.queue(stored)  # the job first: the event row points at it
            stored.save()
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
    if is_thin(event):
        raise ThinEvent(f"{str(event.get('type'))[:MAX_TYPE_LENGTH]} {str(event.get('id'))[:64]}")
    _check_text(event, "id", MAX_EVENT_ID_LENGTH)
    _check_text(event, "type", MAX_TYPE_LENGTH)
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("data.object is not an object")
    if event["type"] in stripe_events.HANDLERS:
        _check_text(data["object"], "id", MAX_OBJECT_ID_LENGTH, name="data.object.id")
    if not _storable(event):
        raise MalformedEvent("contains a NUL character or an unpaired surrogate")
    return text, event


def is_thin(event):
    """A thin (v2) event notification: `"object": "v2.core.event"`, or, whatever its object
    says, Stripe's thin shape (a related_object instead of data)."""
    if event.get("object") == "v2.core.event":
        return True
    return "data" not in event and isinstance(event.get("related_object"), dict)


def _warn_of_another_api_version(event):
    version = event.get("api_version")
    if version != settings.STRIPE_API_VERSION:
        logger.warning(
            "Stripe event %s (%s) is on API version %r, not STRIPE_API_VERSION %r: processed "
            "all the same (only the object's id is read). Create the webhook "
            'endpoint on %s (docs/payments.md, "Stripe set-up").',
            event["id"],
            event["type"],
            version,
            settings.STRIPE_API_VERSION,
            settings.STRIPE_API_VERSION,
        )


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
    intent = obj.get("payment_intent")
    if not candidate and obj.get("object") == "dispute" and isinstance(intent, str):
        # A dispute carries no metadata of ours: its payment names the posting.
        payments = PaymentAttempt.objects.filter(payment_intent_id=intent[:255])
        return payments.values_list("posting_id", flat=True).first() if intent else None
    if not isinstance(candidate, str) or not candidate or len(candidate) > 64:
        return None
    try:
        return JobPosting.objects.filter(pk=candidate).values_list("pk", flat=True).first()
    except (ValueError, ValidationError):
        return None

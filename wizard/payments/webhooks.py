"""Inbound Stripe webhooks: verify, store, then process.

A delivery is answered 2xx only once its effects are committed, and 5xx when
processing failed, so that Stripe delivers it again.
"""

import logging

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wizard.payments.checkout import close_ended_checkout
from wizard.payments.fulfilment import fulfil
from wizard.payments.models import StripeEvent
from wizard.payments.refunds import record_external_refund
from wizard.postings.models import Actor, JobPosting

logger = logging.getLogger(__name__)


def _fulfil_session(event):
    fulfil(_object_id(event), by=Actor.system())


def _close_session(event):
    close_ended_checkout(_object_id(event))


def _charge_refunded(event):
    record_external_refund(_object_id(event), by=Actor.system())


def _object_id(event):
    # Only the id is read from the payload; the handlers ask Stripe for the rest.
    return event["data"]["object"]["id"]


HANDLERS = {
    # completed with payment_status "unpaid" (a delayed method) is a no-op in fulfil;
    # async_payment_succeeded follows when the money arrives.
    "checkout.session.completed": _fulfil_session,
    "checkout.session.async_payment_succeeded": _fulfil_session,
    "checkout.session.async_payment_failed": _close_session,
    "checkout.session.expired": _close_session,
    "charge.refunded": _charge_refunded,
}


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = stripe.Webhook.construct_event(
            request.body,
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("Invalid payload or signature.")

    stored = _store(event)
    if stored.processed_at:
        return HttpResponse("Already processed.")
    return process(stored)


def _store(event):
    payload = event.to_dict()
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                payload=payload,
                posting=_posting_named_in(payload),
            )
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"])


def _posting_named_in(payload):
    """Our posting id, from a session's client_reference_id or an object's metadata."""
    obj = payload.get("data", {}).get("object", {})
    candidate = obj.get("client_reference_id") or (obj.get("metadata") or {}).get("posting_id")
    try:
        return JobPosting.objects.filter(pk=candidate).first() if candidate else None
    except (ValueError, ValidationError):
        return None


def process(stored):
    """Run the handler for a stored event and record the result on it."""
    handler = HANDLERS.get(stored.type)
    try:
        if handler is not None:
            handler(stored.payload)
    except Exception as exc:
        logger.exception("Processing Stripe event %s failed", stored.event_id)
        StripeEvent.objects.filter(pk=stored.pk).update(error=f"{type(exc).__name__}: {exc}")
        return HttpResponse("Processing failed; please retry.", status=500)
    StripeEvent.objects.filter(pk=stored.pk).update(processed_at=timezone.now(), error="")
    return HttpResponse("Processed." if handler else "Ignored: unhandled event type.")

"""Stripe's documents for a payment: the invoice Checkout makes after payment (its number,
hosted page and PDF) and the charge's receipt, recorded on the PaymentAttempt.

Checkout creates its invoice with the session (`invoice_creation`, STRIPE_INVOICES) and
Stripe finalises it asynchronously: the session may name an invoice that has no hosted
page or PDF yet. Fulfilment records whatever is there and never waits for the rest, which
is filled in later by whichever comes first: the `invoice.finalized` / `invoice.paid`
webhook, the reconciler (paid invoices and charges listed within the lookback), or the
employer opening the receipt link. Stripe is asked before the posting's row is locked;
under the lock a record only fills in or corrects, never clears, so every path is
idempotent and their order does not matter.
"""

import logging
import uuid
from dataclasses import dataclass, fields, replace

import stripe
from django.conf import settings

from wizard.payments.client import call
from wizard.payments.exceptions import PaymentError
from wizard.payments.models import PaymentAttempt
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Documents:
    """What Stripe has made for a payment so far ("" for what it has not)."""

    invoice_id: str = ""
    invoice_url: str = ""
    invoice_pdf_url: str = ""
    receipt_url: str = ""

    @classmethod
    def of(cls, attempt):
        return cls(**{f.name: getattr(attempt, f.name) for f in fields(cls)})

    @classmethod
    def from_stripe(cls, invoice=None, charge=None):
        """From an invoice and a charge as Stripe returns them (either may be None)."""
        return cls(
            invoice_id=_text(invoice, "id"),
            invoice_url=_text(invoice, "hosted_invoice_url"),
            invoice_pdf_url=_text(invoice, "invoice_pdf"),
            receipt_url=_text(charge, "receipt_url"),
        )

    def best_url(self):
        """The document to show an employer, best first: the invoice's PDF, its hosted
        page, the charge's receipt; "" when Stripe has made none yet."""
        return self.invoice_pdf_url or self.invoice_url or self.receipt_url


def _text(obj, name):
    value = getattr(obj, name, None) if obj is not None else None
    return value if isinstance(value, str) else ""


def checkout_params(posting, attempt):
    """The Checkout Session's `invoice_creation`, when STRIPE_INVOICES is on: the invoice
    names the posting by its reference and says what the payment was for; its metadata
    names the posting and attempt, as the session's does."""
    if not settings.STRIPE_INVOICES:
        return {}
    site = settings.SITE_URL.rstrip("/")
    return {
        "invoice_creation": {
            "enabled": True,
            "invoice_data": {
                "description": f"Job posting {posting.reference} on {site}"[:1500],
                "custom_fields": [
                    {"name": "Posting reference", "value": posting.reference},
                    {"name": "For", "value": attempt.get_purpose_display()},
                ],
                "footer": f"Thank you for posting with Jobwizard. {site}"[:5000],
                "metadata": {"posting_id": str(posting.pk), "attempt": str(attempt.number)},
            },
        }
    }


# --- Asking Stripe (never under a row lock) ---------------------------------------


# What a session is retrieved with for its documents (one request).
EXPAND = ("invoice", "payment_intent.latest_charge")


def wanted_for(session_id):
    """Whether a session's documents are worth asking for: it is the session of an attempt
    that has not recorded them all yet. A cheap read, no lock."""
    return any(missing(attempt) for attempt in PaymentAttempt.objects.filter(session_id=session_id))


def missing(attempt):
    """The attempt still lacks a document Stripe makes or will make once it is paid: the
    receipt, or the pages of an invoice it has, or (STRIPE_INVOICES on) any invoice."""
    if not attempt.receipt_url:
        return True
    if attempt.invoice_id:
        return not (attempt.invoice_url and attempt.invoice_pdf_url)
    return settings.STRIPE_INVOICES


def detach(session):
    """The documents of a session retrieved with EXPAND; the session is left as retrieved
    without it (its invoice and PaymentIntent as ids), as the rest of fulfilment reads it."""
    invoice, intent = session.invoice, session.payment_intent
    charge = getattr(intent, "latest_charge", None) if intent is not None else None
    if intent is not None and not isinstance(intent, str):
        session.payment_intent = intent.id
    if invoice is not None and not isinstance(invoice, str):
        session.invoice = invoice.id
    found = Documents.from_stripe(
        invoice if not isinstance(invoice, str) else None,
        charge if not isinstance(charge, str) else None,
    )
    return replace(found, invoice_id=session.invoice or "")


def of_session(session_id):
    """The session's documents as Stripe has them now (one request), or None when Stripe
    cannot say: callers go on without them, and a later path fills them in."""
    try:
        session = call(
            lambda stripe_api: stripe_api.v1.checkout.sessions.retrieve(
                session_id, params={"expand": list(EXPAND)}
            )
        )
    except (PaymentError, stripe.StripeError) as error:
        logger.warning("Could not ask Stripe for session %s's documents: %s", session_id, error)
        return None
    return detach(session)


# --- Recording (the posting's row locked) ---------------------------------------------

_FIELDS = [f.name for f in fields(Documents)]


def apply(attempt, documents):
    """Fill the attempt's document fields from `documents` (never clearing one); the names
    of the fields changed. The caller holds the posting's lock and saves the attempt."""
    if documents is None:
        return []
    changed = []
    for name in _FIELDS:
        value = getattr(documents, name)
        if len(value) > PaymentAttempt._meta.get_field(name).max_length:
            logger.warning("Stripe's %s for attempt %s is too long to keep", name, attempt.pk)
        elif value and value != getattr(attempt, name):
            setattr(attempt, name, value)
            changed.append(name)
    return changed


def save(attempt, documents):
    """apply, then save the fields changed (the caller holds the posting's lock)."""
    changed = apply(attempt, documents)
    if changed:
        attempt.save(update_fields=changed)
    return changed


def record(attempt_id, documents):
    """Record documents on an attempt under its posting's row lock; the fields changed."""
    attempt = PaymentAttempt.objects.only("posting_id").get(pk=attempt_id)
    with locked_posting(attempt.posting_id) as posting:
        return save(posting.payment_attempts.get(pk=attempt_id), documents)


def refresh(attempt):
    """Ask Stripe for an attempt's documents and record them (the receipt link, opened
    before any other path filled them in). Returns the attempt's documents now."""
    if attempt.session_id and missing(attempt):
        found = of_session(attempt.session_id)
        if found is not None and record(attempt.pk, found):
            attempt.refresh_from_db(fields=_FIELDS)
    return Documents.of(attempt)


def invoice_key(invoice):
    """The (posting id, attempt number) an invoice's metadata names (its session gave it
    ours: the invoice was read from Stripe with our key), or None."""
    metadata = invoice.metadata.to_dict() if invoice.metadata else {}
    try:
        return uuid.UUID(metadata.get("posting_id", "")), int(metadata.get("attempt", ""))
    except (ValueError, TypeError):
        return None


def attempts_of_invoices(invoices):
    """{invoice id: the attempt it was made for}, for those of the invoices that name an
    attempt of ours, in one query."""
    keys = {invoice.id: invoice_key(invoice) for invoice in invoices}
    postings = {key[0] for key in keys.values() if key}
    attempts = PaymentAttempt.objects.filter(posting_id__in=postings) if postings else []
    by_key = {(attempt.posting_id, attempt.number): attempt for attempt in attempts}
    found = {}
    for invoice in invoices:
        attempt = by_key.get(keys[invoice.id])
        if attempt is None or not attempt.session_id:
            continue
        if attempt.invoice_id and attempt.invoice_id != invoice.id:
            logger.warning(
                "Invoice %s names attempt %s of posting %s, which has invoice %s",
                invoice.id,
                attempt.number,
                attempt.posting_id,
                attempt.invoice_id,
            )
            continue
        found[invoice.id] = attempt
    return found


def attempt_of_invoice(invoice):
    """The attempt an invoice was made for, or None."""
    return attempts_of_invoices([invoice]).get(invoice.id)


def record_invoice(invoice):
    """An invoice as Stripe has it (finalised, paid, or listed by the reconciler) on the
    attempt it was made for; the fields changed."""
    attempt = attempt_of_invoice(invoice)
    if attempt is None:
        return []
    return record(attempt.pk, Documents.from_stripe(invoice))


def invoice_changed(invoice_id):
    """invoice.finalized / invoice.paid: ask Stripe for the invoice (the payload proves
    nothing) and record its pages."""
    invoice = call(lambda stripe_api: stripe_api.v1.invoices.retrieve(invoice_id))
    return record_invoice(invoice)

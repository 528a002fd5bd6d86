"""Tax through Stripe Tax in Checkout, and a business's VAT number as the customer's tax ID.

With STRIPE_TAX on (the default) every Checkout Session computes its tax automatically
(`automatic_tax`) from the billing address it asks for, collects tax IDs, and prices the
line item tax-exclusive: the employer pays the list price, less any discount, plus the tax
of their country (none for a reverse charge). A posting whose business step holds a VAT
number the registry confirmed (wizard.postings.business) pays as a Stripe Customer with
that number as its tax ID, so that Stripe reverse-charges a business abroad; the customer
is created before the session, outside any row lock, keyed by the attempt (a retried
create returns the same customer). Off, Checkout gets no tax parameters at all.

What Stripe charged is recorded by wizard.payments.amounts; this module adds the customer
and, when no tax was charged for a reason Stripe names (a reverse charge), that reason.
"""

import logging

from django.conf import settings

from wizard.payments.client import call
from wizard.postings.business import VatStatus, business_of

logger = logging.getLogger(__name__)

# What fulfilment retrieves the session with, besides its documents: the tax breakdown
# (rates and taxability reasons) is includable only.
EXPAND = ("total_details.breakdown",)

# The taxability reasons worth recording when a payment carried no tax, as shown to people.
NOTES = {
    "reverse_charge": "VAT: reverse charge",
    "customer_exempt": "Tax: exempt",
    "zero_rated": "VAT: zero-rated",
    "product_exempt": "Tax: exempt",
    "not_subject_to_tax": "Tax: not subject to tax",
}

# Stripe's tax ID type for a VAT number, by its prefix (Greece's is EL); every other EU
# prefix is an eu_vat.
_TYPES = {"GB": "gb_vat", "XI": "eu_vat", "CH": "ch_vat", "NO": "no_vat"}


def price_data():
    """What the line item's price_data adds: prices are tax-exclusive."""
    return {"tax_behavior": "exclusive"} if settings.STRIPE_TAX else {}


def checkout_params(posting, attempt):
    """What a Checkout Session is created with for tax (called outside any row lock)."""
    if not settings.STRIPE_TAX:
        return {}
    params = {
        "automatic_tax": {"enabled": True},
        "billing_address_collection": "required",
        "tax_id_collection": {"enabled": True},
    }
    business = business_of(posting)
    if business.has_valid_vat_number:
        params["customer"] = customer_for(posting, attempt, business)
        # Stripe requires these with a customer: the address and business name entered in
        # Checkout are saved on the customer.
        params["customer_update"] = {"address": "auto", "name": "auto"}
    return params


def customer_key(attempt):
    return f"{attempt.idempotency_key}-customer"


def customer_for(posting, attempt, business):
    """The Stripe Customer the attempt pays as: created with the contact email, the
    registered name and address and the VAT number as its tax ID, keyed by the attempt."""
    number = business.vat_number.upper()
    prefix = number[:2]
    address = {"country": business.country or ("GR" if prefix == "EL" else prefix)}
    if business.address:
        address["line1"] = business.address.splitlines()[0][:200]
    params = {
        "email": posting.contact_email,
        "name": (business.name or posting.company_name)[:256],
        "address": address,
        "tax_id_data": [{"type": _TYPES.get(prefix, "eu_vat"), "value": number}],
        "metadata": {"posting_id": str(posting.pk), "attempt": str(attempt.number)},
    }
    customer = call(
        lambda stripe_api: stripe_api.v1.customers.create(
            params=params, options={"idempotency_key": customer_key(attempt)}
        )
    )
    return customer.id


def record(attempt, session):
    """Record on the attempt, as it is paid, its customer and why no tax was charged (from
    the breakdown, when the session was retrieved with EXPAND; not saved)."""
    customer = getattr(session, "customer", None)
    attempt.customer_id = (customer if isinstance(customer, str) else "") or ""
    attempt.tax_note = note_of(session) if not attempt.tax else ""


def note_of(session):
    details = getattr(session, "total_details", None)
    taxes = getattr(getattr(details, "breakdown", None), "taxes", None) or []
    for tax in taxes:
        reason = getattr(tax, "taxability_reason", None)
        if reason in NOTES:
            return reason
    return ""


def price_note(posting):
    """What the review page says of VAT under the price (before VAT, and whether a reverse
    charge can apply: only a number confirmed valid goes to Stripe as a tax ID); "" with
    STRIPE_TAX off."""
    if not settings.STRIPE_TAX:
        return ""
    business = business_of(posting)
    if business.has_valid_vat_number:
        return (
            f"The price is before VAT. With your VAT number {business.vat_number}, a business "
            "billed in another country than ours is not charged VAT (reverse charge): the "
            "payment page shows it."
        )
    if business.vat_number and business.vat_status == VatStatus.UNCHECKED:
        return (
            "The price is before VAT. Your VAT number is not confirmed yet, so the payment "
            "page adds any VAT due for your billing country, as for any customer there."
        )
    return "The price is before VAT: the payment page adds any VAT due for your billing country."


def note_display(attempt):
    """'VAT: reverse charge' for an attempt that recorded a note, else ""."""
    return NOTES.get(attempt.tax_note, "")

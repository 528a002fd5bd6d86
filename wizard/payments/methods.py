"""Payment method types: which ones Checkout offers (the PAYMENT_METHOD_TYPES setting) and
how long a delayed one usually takes to tell us whether its money arrived.

A delayed method (a bank debit, a voucher) completes the checkout unpaid; Stripe sends
`checkout.session.async_payment_succeeded` or `_failed` later. The timings are Stripe's
(docs.stripe.com, "delayed notification" payment methods), for the employer's page.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class DelayedMethod:
    label: str
    usually_takes: str


DELAYED_METHODS = {
    # "can take up to 14 business days … though the average is 7 to 8"
    "sepa_debit": DelayedMethod("SEPA Direct Debit", "up to 14 business days"),
    # "up to 4 business days to receive acknowledgement of success or failure"
    "us_bank_account": DelayedMethod("ACH Direct Debit", "up to 4 business days"),
    # "4 business days … when a mandate is already in place, or up to 7 … a new mandate"
    "bacs_debit": DelayedMethod("Bacs Direct Debit", "up to 7 business days"),
    "boleto": DelayedMethod("Boleto", "up to 3 business days"),
    "au_becs_debit": DelayedMethod("BECS Direct Debit", "up to 3 business days"),
    "acss_debit": DelayedMethod("Pre-authorized debit", "up to 7 business days"),
}
UNKNOWN_METHOD = DelayedMethod("your payment method", "a few business days")


def delayed_method(method_type):
    """How to name a delayed method and how long it usually takes ("" or an unknown type:
    a general answer)."""
    return DELAYED_METHODS.get(method_type, UNKNOWN_METHOD)


def checkout_params():
    """What a Checkout Session is created with to choose its payment methods: the
    PAYMENT_METHOD_TYPES setting, or nothing (the Dashboard's payment method settings)."""
    types = settings.PAYMENT_METHOD_TYPES
    return {"payment_method_types": list(types)} if types else {}

"""Promotion codes: Stripe's, typed on Checkout's page (allow_promotion_codes).

The codes and their coupons live in Stripe (its Dashboard makes them); Stripe takes the
discount off the list price and reports it on the session (total_details.amount_discount,
recorded by wizard.payments.amounts). Here: whether Checkout offers the field, and which
code the employer typed (the session's discounts name the promotion code; fulfilment
retrieves the session with it expanded, so no call is made while the posting is locked).
"""

from django.conf import settings

# What fulfilment's retrieve of a session expands so that record() can read the code.
EXPAND = ("discounts.promotion_code",)


def checkout_params(posting, attempt):
    """What a Checkout Session is created with for promotion codes."""
    if not settings.STRIPE_PROMOTION_CODES:
        return {}
    return {"allow_promotion_codes": True}


def record(attempt, session):
    """Record on the attempt, as it is paid, the code the employer typed (not saved):
    "" when none was, or when Stripe does not say (the code left unexpanded)."""
    attempt.promotion_code = code_of(session)


def code_of(session):
    """The code of the session's promotion code, when it came expanded."""
    for discount in getattr(session, "discounts", None) or []:
        code = getattr(getattr(discount, "promotion_code", None), "code", None)
        if code:
            return code
    return ""

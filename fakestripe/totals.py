"""A Checkout Session's totals, computed in one place, as Stripe orders them:
amount_subtotal (the line items) -> total_details.amount_discount (its coupon, on the
subtotal) -> amount_total. Tax, when emulated, is computed on the discounted subtotal and
added here as total_details.amount_tax.

Callers must hold ``store.lock``.
"""

from . import coupons


def compute(api, session: dict):
    """Set the session's amounts from its line items and its discounts."""
    line_items = api.store.session_details[session["id"]].line_items
    subtotal = sum(item["unit_amount"] * item["quantity"] for item in line_items)
    discount = coupons.session_discount(api, session, subtotal)
    tax = 0
    session["amount_subtotal"] = subtotal
    session["total_details"].update(amount_discount=discount, amount_tax=tax)
    session["amount_total"] = subtotal - discount + tax

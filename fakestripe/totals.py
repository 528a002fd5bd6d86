"""A Checkout Session's totals, computed in one place, as Stripe orders them:
amount_subtotal (the line items) -> total_details.amount_discount (its coupon, on the
subtotal) -> total_details.amount_tax (fakestripe.tax, on the discounted subtotal, once the
customer's country is known) -> amount_total.

Callers must hold ``store.lock``.
"""

from . import coupons, tax


def compute(api, session: dict):
    """Set the session's amounts from its line items and its discounts."""
    line_items = api.store.session_details[session["id"]].line_items
    subtotal = sum(item["unit_amount"] * item["quantity"] for item in line_items)
    discount = coupons.session_discount(api, session, subtotal)
    session["amount_subtotal"] = subtotal
    session["total_details"].update(amount_discount=discount, amount_tax=0)
    session["amount_total"] = subtotal - discount
    state = api.store.session_tax.get(session["id"])
    if state and state.get("breakdown"):  # its tax was computed: again, on the new discount
        tax.compute(api, session)

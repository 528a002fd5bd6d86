"""Test-only ways to finish a Checkout Session that the hosted page cannot reach:
delayed (async) payment methods, payments racing expiry, mismatched amounts.

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

from . import invoices, tax
from .api import Api
from .errors import invalid_request

PAYMENT_STATUSES = ("paid", "unpaid")


def complete_session(
    api: Api,
    session_id: str,
    payment_status: str = "paid",
    force: bool = False,
    amount_total: int | None = None,
    billing_country: str | None = None,
) -> dict:
    """Complete as if paid by card ("paid") or by a delayed method still processing ("unpaid").
    A session whose total is 0 (a promotion code took it all) completes with
    "no_payment_required" and no PaymentIntent, whatever payment_status says.

    force also completes an expired session; amount_total overrides what was charged;
    billing_country is the one entered on the page (else the page's preselected one).
    """
    if payment_status not in PAYMENT_STATUSES:
        raise invalid_request(
            f"payment_status must be one of {list(PAYMENT_STATUSES)}.", param="payment_status"
        )
    session = api.get_session(session_id)
    if not (session["status"] == "open" or (force and session["status"] == "expired")):
        hint = " (pass force to complete an expired one)" if session["status"] == "expired" else ""
        raise invalid_request(
            f"This Checkout Session is {session['status']} and can no longer be paid{hint}."
        )
    if billing_country:
        tax.collect(api, session, {"billing_country": billing_country})
    tax.settle(api, session)  # before an amount_total override
    if amount_total is not None:
        if isinstance(amount_total, bool) or not isinstance(amount_total, int) or amount_total < 0:
            raise invalid_request(
                "amount_total must be a non-negative integer.", param="amount_total"
            )
        session["amount_total"] = amount_total
    if session["amount_total"] == 0:
        api.mark_session_complete(session, "no_payment_required")
        return session
    payment_intent = api.session_payment_intent(session)
    payment_intent["amount"] = session["amount_total"]
    if payment_status == "paid":
        api.succeed_payment(payment_intent)
    else:
        payment_intent.update(status="processing", last_payment_error=None)
    api.mark_session_complete(session, payment_status)
    return session


def settle_async_payment(api: Api, session_id: str, succeeded: bool) -> dict:
    """The outcome of a delayed payment started by complete_session(..., "unpaid")."""
    session = api.get_session(session_id)
    payment_intent = (
        api.store.payment_intents.get(session["payment_intent"])
        if session["payment_intent"]
        else None
    )
    if (session["status"], session["payment_status"]) != ("complete", "unpaid") or (
        payment_intent is None or payment_intent["status"] != "processing"
    ):
        raise invalid_request(
            "This Checkout Session has no payment awaiting an async result; "
            "complete it with payment_status unpaid first."
        )
    if succeeded:
        api.succeed_payment(payment_intent)
        session["payment_status"] = "paid"
        invoices.session_paid(api, session)
        api.store.record_event("checkout.session.async_payment_succeeded", session)
    else:
        api.fail_payment(
            payment_intent,
            {
                "code": "payment_method_provider_decline",
                "message": "The payment was declined by the payment method provider.",
                "type": "invalid_request_error",
            },
        )
        api.store.record_event("checkout.session.async_payment_failed", session)
    return session

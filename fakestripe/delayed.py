"""Delayed (asynchronous) payment methods, offered as Checkout offers them.

A Checkout Session offers the `payment_method_types` it was created with; without any,
the Dashboard decides, which fakestripe plays as card plus the one delayed method that
fits the session's currency (SEPA Debit for EUR, ACH for USD, Bacs for GBP, boleto for
BRL, BECS for AUD). A delayed method offered for a currency it cannot take is refused,
as Stripe refuses it.

Paying with a delayed method on the hosted page completes the session with
`payment_status: "unpaid"`: the PaymentIntent is `processing`, its charge `pending`
(events `payment_intent.processing`, `charge.pending`, `checkout.session.completed`).
Later, as the bank answers, the control `POST /_fakestripe/checkout/<id>/async_result`
settles it: succeeded (`charge.succeeded`, `payment_intent.succeeded`,
`checkout.session.async_payment_succeeded`) or failed (`charge.failed`,
`payment_intent.payment_failed`, `checkout.session.async_payment_failed`).

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

from . import invoices
from .errors import invalid_param, invalid_request
from .store import new_id

CARD = "card"
# Each delayed method and the currency it takes (Stripe's docs: "presentment currency").
DELAYED_METHODS = {
    "sepa_debit": "eur",
    "us_bank_account": "usd",
    "bacs_debit": "gbp",
    "boleto": "brl",
    "au_becs_debit": "aud",
    "acss_debit": "cad",
}
KNOWN_TYPES = {CARD, *DELAYED_METHODS}
# Why a delayed payment fails, as the charge's failure_code says.
FAILURE = {
    "code": "insufficient_funds",
    "message": "The customer's account has insufficient funds to cover this payment.",
    "type": "invalid_request_error",
}


def offered_types(requested, currency: str) -> list[str]:
    """The payment method types a new session offers: those requested (each known to
    fakestripe and able to take the currency), or the Dashboard's stand-in."""
    if requested in (None, "", [], {}):
        delayed = [method for method, takes in DELAYED_METHODS.items() if takes == currency]
        return [CARD, *delayed[:1]]
    if not isinstance(requested, list):
        raise invalid_param("Invalid array", param="payment_method_types")
    for index, method in enumerate(requested):
        if method not in KNOWN_TYPES:
            raise invalid_param(
                f"Invalid payment_method_types[{index}]: must be one of "
                f"{sorted(KNOWN_TYPES)} (fakestripe emulates these).",
                param=f"payment_method_types[{index}]",
            )
        takes = DELAYED_METHODS.get(method)
        if takes is not None and takes != currency:
            raise invalid_request(
                f"The payment method `{method}` cannot be used with currency `{currency}`; "
                f"it only supports `{takes}`.",
                param="payment_method_types",
            )
    return list(dict.fromkeys(requested))


def delayed_choices(session: dict) -> list[str]:
    """The delayed methods the session's hosted page offers."""
    return [method for method in session["payment_method_types"] if method in DELAYED_METHODS]


def pay_delayed(api, session: dict, method: str) -> dict:
    """The customer pays with a delayed method: the mandate is accepted, the debit starts.
    The session completes unpaid; its PaymentIntent is processing with a pending charge."""
    if session["status"] != "open":
        raise invalid_request(
            f"This Checkout Session is {session['status']} and can no longer be paid."
        )
    if method not in delayed_choices(session):
        raise invalid_param(
            f"This Checkout Session does not offer the payment method {method!r}.",
            param="payment_method",
        )
    payment_intent = api.session_payment_intent(session)
    charge = api._create_charge(payment_intent)
    charge.update(
        status="pending",
        paid=False,
        amount_captured=charge["amount"],
        outcome=None,
        balance_transaction=None,
        payment_method_details={method: _method_details(method), "type": method},
    )
    payment_intent.update(
        status="processing",
        latest_charge=charge["id"],
        payment_method=charge["payment_method"],
        payment_method_types=list(session["payment_method_types"]),
        payment_method_options={method: {}},
        processing=None,
        last_payment_error=None,
    )
    api.store.record_event("payment_intent.processing", payment_intent)
    api.store.record_event("charge.pending", charge)
    api.mark_session_complete(session, payment_status="unpaid")
    return session


def pending_charge(api, session: dict) -> dict | None:
    """The pending charge of a session paid by a delayed method, or None."""
    intent_id = session.get("payment_intent")
    payment_intent = api.store.payment_intents.get(intent_id) if intent_id else None
    if payment_intent is None or payment_intent["status"] != "processing":
        return None
    charge = api.store.charges.get(payment_intent["latest_charge"] or "")
    return charge if charge is not None and charge["status"] == "pending" else None


def settle(api, session_id: str, succeeded: bool) -> dict:
    """The bank's answer for a session paid by a delayed method on the hosted page."""
    session = api.get_session(session_id)
    charge = pending_charge(api, session)
    if (session["status"], session["payment_status"]) != ("complete", "unpaid") or not charge:
        raise invalid_request("This Checkout Session has no delayed payment awaiting its result.")
    payment_intent = api.store.payment_intents[session["payment_intent"]]
    if succeeded:
        charge.update(
            status="succeeded",
            paid=True,
            balance_transaction=new_id("txn_"),
            outcome=_outcome(None),
        )
        payment_intent.update(status="succeeded", amount_received=payment_intent["amount"])
        session["payment_status"] = "paid"
        invoices.session_paid(api, session)
        api.store.record_event("charge.succeeded", charge)
        api.store.record_event("payment_intent.succeeded", payment_intent)
        api.store.record_event("checkout.session.async_payment_succeeded", session)
        return session
    charge.update(
        status="failed",
        amount_captured=0,
        captured=False,
        failure_code=FAILURE["code"],
        failure_message=FAILURE["message"],
        outcome=_outcome(FAILURE),
    )
    payment_intent.update(
        status="requires_payment_method",
        payment_method=None,
        last_payment_error={
            **FAILURE,
            "charge": charge["id"],
            "doc_url": f"https://stripe.com/docs/error-codes/{FAILURE['code']}",
            "payment_method": {"id": charge["payment_method"], "object": "payment_method"},
        },
    )
    api.store.record_event("charge.failed", charge)
    api.store.record_event("payment_intent.payment_failed", payment_intent)
    api.store.record_event("checkout.session.async_payment_failed", session)
    return session


def _method_details(method: str) -> dict:
    """The little Stripe says of the account debited (test values)."""
    if method == "sepa_debit":
        return {
            "bank_code": "37040044",
            "branch_code": None,
            "country": "DE",
            "fingerprint": "fakestripesepa",
            "last4": "3000",
            "mandate": new_id("mandate_"),
        }
    if method == "us_bank_account":
        return {
            "account_holder_type": "individual",
            "account_type": "checking",
            "bank_name": "STRIPE TEST BANK",
            "fingerprint": "fakestripeach",
            "last4": "6789",
            "mandate": new_id("mandate_"),
            "routing_number": "110000000",
        }
    return {"fingerprint": f"fakestripe{method}", "last4": "0000"}


def _outcome(failure: dict | None) -> dict:
    return {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network" if failure is None else "declined_by_network",
        "reason": None if failure is None else failure["code"],
        "risk_level": "not_assessed",
        "risk_score": None,
        "seller_message": "Payment complete." if failure is None else failure["message"],
        "type": "authorized" if failure is None else "issuer_declined",
    }

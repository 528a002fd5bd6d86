"""The emulated Stripe operations. Each takes decoded params, returns a JSON-able dict.

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

import copy
import fnmatch

from .errors import StripeError, invalid_request, missing_param, resource_missing
from .store import SessionDetails, Store, new_id

MIN_SESSION_LIFETIME = 30 * 60
MAX_SESSION_LIFETIME = 24 * 60 * 60
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"

# Real Stripe parameters we accept but do not emulate, so an app using them still works.
_IGNORED_SESSION_PARAMS = {
    "payment_method_types",
    "locale",
    "submit_type",
    "allow_promotion_codes",
    "billing_address_collection",
    "customer_creation",
    "invoice_creation",
    "phone_number_collection",
    "custom_text",
    "automatic_tax",
    "consent_collection",
}
_SESSION_PARAMS = {
    "mode",
    "success_url",
    "cancel_url",
    "line_items",
    "client_reference_id",
    "metadata",
    "customer_email",
    "expires_at",
    "payment_intent_data",
    "expand",
} | _IGNORED_SESSION_PARAMS


class Api:
    def __init__(self, store: Store, base_url: str = ""):
        self.store = store
        self.base_url = base_url

    # ---- Checkout Sessions -------------------------------------------------

    def create_checkout_session(self, params: dict) -> dict:
        _reject_unknown(params, _SESSION_PARAMS)
        now = self.store.now()
        mode = _required(params, "mode")
        if mode != "payment":
            raise invalid_request(
                f"fakestripe only emulates mode=payment, not {mode!r}.", param="mode"
            )
        success_url = _required(params, "success_url")
        cancel_url = _required(params, "cancel_url")
        line_items = _parse_line_items(params.get("line_items"))
        currencies = {item["currency"] for item in line_items}
        if len(currencies) > 1:
            raise invalid_request("All line items must use the same currency.", param="line_items")
        expires_at = now + MAX_SESSION_LIFETIME
        if "expires_at" in params:
            expires_at = _parse_int(params["expires_at"], "expires_at")
            if expires_at - now < MIN_SESSION_LIFETIME:
                raise invalid_request(
                    "The `expires_at` timestamp must be at least 30 minutes from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
            if expires_at - now > MAX_SESSION_LIFETIME:
                raise invalid_request(
                    "The `expires_at` timestamp must be less than 24 hours from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
        payment_intent_data = params.get("payment_intent_data") or {}
        if not isinstance(payment_intent_data, dict):
            raise invalid_request("Invalid payment_intent_data.", param="payment_intent_data")
        _reject_unknown(
            payment_intent_data,
            {"metadata", "description", "receipt_email"},
            prefix="payment_intent_data",
        )

        total = sum(item["unit_amount"] * item["quantity"] for item in line_items)
        session_id = new_id("cs_test_", 58)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": cancel_url,
            "client_reference_id": params.get("client_reference_id") or None,
            "created": now,
            "currency": currencies.pop(),
            "customer_details": None,
            "customer_email": params.get("customer_email") or None,
            "expires_at": expires_at,
            "livemode": False,
            "metadata": _parse_metadata(params.get("metadata"), "metadata"),
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "url": f"{self.base_url}/checkout/{session_id}",
        }
        self.store.checkout_sessions[session_id] = session
        self.store.session_details[session_id] = SessionDetails(
            line_items=line_items,
            payment_intent_metadata=_parse_metadata(
                payment_intent_data.get("metadata"), "payment_intent_data[metadata]"
            ),
        )
        return session

    def retrieve_checkout_session(self, session_id: str, params: dict) -> dict:
        session = self.get_session(session_id)
        return self._expand_session(session, params.get("expand") or [])

    def list_checkout_sessions(self, params: dict) -> dict:
        _reject_unknown(
            params, {"payment_intent", "status", "created", "limit", "starting_after", "expand"}
        )
        equal_filters = {
            key: params[key] for key in ("payment_intent", "status") if params.get(key)
        }
        sessions = []
        for session in reversed(list(self.store.checkout_sessions.values())):
            self._expire_if_past(session)
            if any(session[key] != value for key, value in equal_filters.items()):
                continue
            if not _created_matches(session["created"], params.get("created")):
                continue
            sessions.append(session)
        return _paginate(sessions, params, "/v1/checkout/sessions")

    def expire_checkout_session(self, session_id: str) -> dict:
        session = self.get_session(session_id)
        if session["status"] != "open":
            raise invalid_request(
                "You can only expire sessions that are open. This session has status "
                f"`{session['status']}`.",
                param="session",
            )
        self._expire(session)
        return session

    def get_session(self, session_id: str) -> dict:
        session = _found(self.store.checkout_sessions, session_id, "checkout.session", "session")
        self._expire_if_past(session)
        return session

    def _expire_if_past(self, session: dict):
        if session["status"] == "open" and self.store.now() >= session["expires_at"]:
            self._expire(session)

    def _expire(self, session: dict):
        session["status"] = "expired"
        session["url"] = None
        self.store.record_event("checkout.session.expired", session)

    def _expand_session(self, session: dict, expand: list) -> dict:
        """Supports expand[]=line_items, payment_intent and payment_intent.latest_charge."""
        if not expand:
            return session
        expanded = copy.deepcopy(session)
        intent_expand = None  # None: leave payment_intent as an id
        for field in expand:
            head, _, rest = field.partition(".")
            if head == "payment_intent":
                intent_expand = (intent_expand or []) + ([rest] if rest else [])
            elif field == "line_items":
                expanded["line_items"] = self._line_items_list(session)
            else:
                raise invalid_request(
                    f"This property cannot be expanded ({field}).", param="expand"
                )
        if intent_expand is not None and session["payment_intent"]:
            expanded["payment_intent"] = self.retrieve_payment_intent(
                session["payment_intent"], {"expand": intent_expand}
            )
        return expanded

    def _line_items_list(self, session: dict) -> dict:
        data = [
            {
                "id": f"li_{session['id'][8:32]}{index}",
                "object": "item",
                "amount_subtotal": item["unit_amount"] * item["quantity"],
                "amount_total": item["unit_amount"] * item["quantity"],
                "currency": item["currency"],
                "description": item["name"],
                "quantity": item["quantity"],
                "price": {
                    "object": "price",
                    "currency": item["currency"],
                    "unit_amount": item["unit_amount"],
                },
            }
            for index, item in enumerate(self.store.session_details[session["id"]].line_items)
        ]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session['id']}/line_items",
        }

    # ---- Hosted page payment -----------------------------------------------

    def pay_checkout_session(self, session_id: str, card_number: str) -> dict:
        """Raises StripeError (type card_error) for declined or invalid cards."""
        session = self.get_session(session_id)
        if session["status"] != "open":
            raise invalid_request(
                f"This Checkout Session is {session['status']} and can no longer be paid."
            )
        digits = "".join(card_number.split())
        if digits not in (SUCCESS_CARD, DECLINE_CARD):
            raise StripeError(
                400,
                "Your card number is invalid.",
                type="card_error",
                code="invalid_number",
                param="number",
            )
        payment_intent = self.session_payment_intent(session)
        if digits == DECLINE_CARD:
            payment_intent["status"] = "requires_payment_method"
            payment_intent["last_payment_error"] = {
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "type": "card_error",
            }
            raise StripeError(
                402,
                "Your card was declined.",
                type="card_error",
                code="card_declined",
                decline_code="generic_decline",
            )

        self.succeed_payment(payment_intent)
        self.mark_session_complete(session, payment_status="paid")
        return session

    def succeed_payment(self, payment_intent: dict) -> dict:
        charge = self._create_charge(payment_intent)
        payment_intent.update(
            status="succeeded",
            amount_received=payment_intent["amount"],
            latest_charge=charge["id"],
            last_payment_error=None,
        )
        return charge

    def mark_session_complete(self, session: dict, payment_status: str):
        session.update(
            status="complete",
            payment_status=payment_status,
            url=None,
            customer_details={"email": session["customer_email"]},
        )
        self.store.record_event("checkout.session.completed", session)

    def session_payment_intent(self, session: dict) -> dict:
        """The session's PaymentIntent, created on first use (as when the customer pays)."""
        if session["payment_intent"]:
            return self.store.payment_intents[session["payment_intent"]]
        intent_id = new_id("pi_")
        payment_intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            "client_secret": f"{intent_id}_secret_{new_id('', 25)}",
            "created": self.store.now(),
            "currency": session["currency"],
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(self.store.session_details[session["id"]].payment_intent_metadata),
            "payment_method_types": ["card"],
            "status": "requires_payment_method",
        }
        self.store.payment_intents[intent_id] = payment_intent
        session["payment_intent"] = intent_id
        return payment_intent

    def _create_charge(self, payment_intent: dict) -> dict:
        charge = {
            "id": new_id("ch_"),
            "object": "charge",
            "amount": payment_intent["amount"],
            "amount_captured": payment_intent["amount"],
            "amount_refunded": 0,
            "captured": True,
            "created": self.store.now(),
            "currency": payment_intent["currency"],
            "livemode": False,
            "metadata": dict(payment_intent["metadata"]),
            "paid": True,
            "payment_intent": payment_intent["id"],
            "refunded": False,
            "status": "succeeded",
        }
        self.store.charges[charge["id"]] = charge
        return charge

    # ---- PaymentIntents, Charges -------------------------------------------

    def retrieve_payment_intent(self, intent_id: str, params: dict) -> dict:
        payment_intent = _found(self.store.payment_intents, intent_id, "payment_intent", "intent")
        expand = params.get("expand") or []
        if any(field != "latest_charge" for field in expand):
            raise invalid_request(f"This property cannot be expanded ({expand}).", param="expand")
        if expand and payment_intent["latest_charge"]:
            expanded = copy.deepcopy(payment_intent)
            expanded["latest_charge"] = self.store.charges[payment_intent["latest_charge"]]
            return expanded
        return payment_intent

    def retrieve_charge(self, charge_id: str) -> dict:
        return _found(self.store.charges, charge_id, "charge", "charge")

    # ---- Refunds -----------------------------------------------------------

    def create_refund(self, params: dict) -> dict:
        _reject_unknown(
            params, {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
        )
        charge = self._refundable_charge(params)
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise invalid_request(
                f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        amount = remaining
        if "amount" in params:
            amount = _parse_int(params["amount"], "amount")
            if amount < 1:
                raise invalid_request("Refund amount must be a positive integer.", param="amount")
            if amount > remaining:
                raise invalid_request(
                    f"Refund amount ({amount}) is greater than unrefunded amount on "
                    f"charge ({remaining})",
                    param="amount",
                    code="amount_too_large",
                )
        reason = params.get("reason") or None
        if reason is not None and reason not in REFUND_REASONS:
            raise invalid_request(
                f"Invalid reason: must be one of {sorted(REFUND_REASONS)}", param="reason"
            )
        refund = {
            "id": new_id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": self.store.now(),
            "currency": charge["currency"],
            "metadata": _parse_metadata(params.get("metadata"), "metadata"),
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "succeeded",
        }
        self.store.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self.store.record_event("charge.refunded", charge)
        return refund

    def retrieve_refund(self, refund_id: str) -> dict:
        return _found(self.store.refunds, refund_id, "refund", "refund")

    def list_refunds(self, params: dict) -> dict:
        _reject_unknown(
            params, {"payment_intent", "charge", "created", "limit", "starting_after", "expand"}
        )
        equal_filters = {
            key: params[key] for key in ("payment_intent", "charge") if params.get(key)
        }
        refunds = [
            refund
            for refund in reversed(list(self.store.refunds.values()))
            if all(refund[key] == value for key, value in equal_filters.items())
            and _created_matches(refund["created"], params.get("created"))
        ]
        return _paginate(refunds, params, "/v1/refunds")

    def _refundable_charge(self, params: dict) -> dict:
        if params.get("charge"):
            return self.retrieve_charge(params["charge"])
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise invalid_request(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                param="payment_intent",
            )
        payment_intent = _found(
            self.store.payment_intents, intent_id, "payment_intent", "payment_intent"
        )
        if payment_intent["status"] != "succeeded" or not payment_intent["latest_charge"]:
            raise invalid_request(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
                code="payment_intent_unexpected_state",
            )
        return self.store.charges[payment_intent["latest_charge"]]

    # ---- Events --------------------------------------------------------------

    def list_events(self, params: dict) -> dict:
        _reject_unknown(params, {"type", "types", "created", "limit", "starting_after"})
        patterns = params.get("types") or ([params["type"]] if params.get("type") else [])
        events = [
            event
            for event in reversed(list(self.store.events.values()))
            if (not patterns or any(fnmatch.fnmatchcase(event["type"], p) for p in patterns))
            and _created_matches(event["created"], params.get("created"))
        ]
        return _paginate(events, params, "/v1/events")

    def retrieve_event(self, event_id: str) -> dict:
        return _found(self.store.events, event_id, "event", "id")


# ---- parameter helpers -------------------------------------------------------


def _reject_unknown(params: dict, allowed: set, prefix: str = ""):
    for key in params:
        if key not in allowed:
            name = f"{prefix}[{key}]" if prefix else key
            raise invalid_request(f"Received unknown parameter: {name}", param=name)


def _required(params: dict, name: str):
    value = params.get(name)
    if value in (None, ""):
        raise missing_param(name)
    return value


def _parse_int(value, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_request(f"Invalid integer: {value}", param=param) from None


def _parse_metadata(value, param: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise invalid_request("Invalid object", param=param)
    if len(value) > 50:
        raise invalid_request("Metadata can have at most 50 keys.", param=param)
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid_request("Metadata values must be strings.", param=f"{param}[{key}]")
        if len(key) > 40 or len(item) > 500:
            raise invalid_request(
                "Metadata keys are limited to 40 characters and values to 500.",
                param=f"{param}[{key}]",
            )
    return dict(value)


def _parse_line_items(value) -> list[dict]:
    if not value:
        raise missing_param("line_items")
    if not isinstance(value, list):
        raise invalid_request("Invalid array", param="line_items")
    items = []
    for index, raw in enumerate(value):
        param = f"line_items[{index}]"
        if not isinstance(raw, dict):
            raise invalid_request("Invalid object", param=param)
        _reject_unknown(raw, {"price_data", "quantity", "price"}, prefix=param)
        if "price" in raw:
            raise invalid_request(
                "fakestripe only emulates price_data, not price ids.", param=f"{param}[price]"
            )
        price_data = raw.get("price_data")
        if not isinstance(price_data, dict):
            raise missing_param(f"{param}[price_data]")
        _reject_unknown(
            price_data, {"currency", "unit_amount", "product_data"}, prefix=f"{param}[price_data]"
        )
        currency = _required_nested(price_data, "currency", f"{param}[price_data]")
        unit_amount = _parse_int(
            _required_nested(price_data, "unit_amount", f"{param}[price_data]"),
            f"{param}[price_data][unit_amount]",
        )
        if unit_amount < 0:
            raise invalid_request(
                "unit_amount must be non-negative.", param=f"{param}[price_data][unit_amount]"
            )
        product_data = price_data.get("product_data")
        if not isinstance(product_data, dict):
            raise missing_param(f"{param}[price_data][product_data]")
        name = _required_nested(product_data, "name", f"{param}[price_data][product_data]")
        quantity = _parse_int(_required_nested(raw, "quantity", param), f"{param}[quantity]")
        if quantity < 1:
            raise invalid_request("Quantity must be at least 1.", param=f"{param}[quantity]")
        items.append(
            {
                "name": name,
                "currency": currency.lower(),
                "unit_amount": unit_amount,
                "quantity": quantity,
            }
        )
    return items


def _required_nested(params: dict, name: str, prefix: str):
    value = params.get(name)
    if value in (None, ""):
        raise missing_param(f"{prefix}[{name}]")
    return value


def _created_matches(created: int, condition) -> bool:
    if condition in (None, ""):
        return True
    if not isinstance(condition, dict):
        return created == _parse_int(condition, "created")
    checks = {
        "gt": created.__gt__,
        "gte": created.__ge__,
        "lt": created.__lt__,
        "lte": created.__le__,
    }
    for op, bound in condition.items():
        if op not in checks:
            raise invalid_request(
                f"Received unknown parameter: created[{op}]", param=f"created[{op}]"
            )
        if not checks[op](_parse_int(bound, f"created[{op}]")):
            return False
    return True


def _paginate(objects_newest_first: list, params: dict, url: str) -> dict:
    limit = _parse_int(params.get("limit", 10), "limit")
    if not 1 <= limit <= 100:
        raise invalid_request("limit must be between 1 and 100.", param="limit")
    start = 0
    if params.get("starting_after"):
        ids = [obj["id"] for obj in objects_newest_first]
        if params["starting_after"] not in ids:
            raise resource_missing("object", params["starting_after"], param="starting_after")
        start = ids.index(params["starting_after"]) + 1
    page = objects_newest_first[start : start + limit]
    return {
        "object": "list",
        "data": page,
        "has_more": start + limit < len(objects_newest_first),
        "url": url,
    }


def _found(objects: dict, object_id: str, kind: str, param: str) -> dict:
    """The stored object, or Stripe's 404 resource_missing."""
    found = objects.get(object_id)
    if found is None:
        raise resource_missing(kind, object_id, param=param)
    return found

"""The emulated Stripe operations. Each takes decoded params, returns a JSON-able dict.

Callers must hold ``store.lock``. Errors are raised as StripeError.

Objects carry every field the stripe SDK's typed resource declares (see
tests/fakestripe/test_conformance.py), with Stripe's values for what fakestripe emulates
and null (or Stripe's empty value) for the rest.
"""

import copy
import fnmatch

from . import (
    coupons,
    delayed,
    emails,
    invoice_params,
    invoices,
    payment_events,
    refund_more,
    tax,
    totals,
)
from .currencies import check_currency, check_total
from .errors import StripeError, invalid_param, invalid_request, missing_param, resource_missing
from .store import SessionDetails, Store, new_id

MIN_SESSION_LIFETIME = 30 * 60
MAX_SESSION_LIFETIME = 24 * 60 * 60
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
# The status new refunds are created with (POST /_fakestripe/config {"refund_outcome"}).
REFUND_OUTCOMES = ("succeeded", "pending", "requires_action", "failed")
# Where POST /_fakestripe/refunds/<id>/settle may move a refund from each status.
REFUND_SETTLEMENTS = {
    "pending": ("succeeded", "failed", "canceled"),
    "requires_action": ("succeeded", "failed", "canceled"),
    "succeeded": ("failed",),  # a card refund can still fail after it succeeded
}
REFUND_FAILURE_REASONS = (
    "charge_for_pending_refund_disputed",
    "declined",
    "expired_or_canceled_card",
    "insufficient_funds",
    "lost_or_stolen_card",
    "merchant_request",
    "unknown",
)
SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
_DECLINE_MESSAGE = "Your card was declined."
_NULL_ADDRESS = {
    "city": None,
    "country": None,
    "line1": None,
    "line2": None,
    "postal_code": None,
    "state": None,
}

# Real Stripe parameters we accept but do not emulate, so an app using them still works.
_IGNORED_SESSION_PARAMS = {
    "locale",
    "submit_type",
    "customer_creation",
    "phone_number_collection",
    "custom_text",
    "consent_collection",
}
_SESSION_PARAMS = (
    {
        "mode",
        "success_url",
        "cancel_url",
        "line_items",
        "client_reference_id",
        "metadata",
        "customer_email",
        "expires_at",
        "payment_intent_data",
        "payment_method_types",  # fakestripe.delayed
        "invoice_creation",  # fakestripe.invoice_params
        "allow_promotion_codes",  # fakestripe.coupons
        "discounts",  # fakestripe.coupons
        "expand",
    }
    | _IGNORED_SESSION_PARAMS
    | tax.SESSION_PARAMS
)  # fakestripe.tax


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
            raise invalid_param(
                f"fakestripe only emulates mode=payment, not {mode!r}.", param="mode"
            )
        success_url = _required(params, "success_url")
        cancel_url = _required(params, "cancel_url")
        line_items = _parse_line_items(params.get("line_items"))
        emails.check(params, "customer_email")
        currencies = {item["currency"] for item in line_items}
        if len(currencies) > 1:
            raise invalid_param("All line items must use the same currency.", param="line_items")
        currency = next(iter(currencies))
        payment_method_types = delayed.offered_types(params.get("payment_method_types"), currency)
        expires_at = now + MAX_SESSION_LIFETIME
        if "expires_at" in params:
            expires_at = _parse_int(params["expires_at"], "expires_at")
            if expires_at - now < MIN_SESSION_LIFETIME:
                raise invalid_param(
                    "The `expires_at` timestamp must be at least 30 minutes from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
            if expires_at - now > MAX_SESSION_LIFETIME:
                raise invalid_param(
                    "The `expires_at` timestamp must be less than 24 hours from "
                    "Checkout Session creation.",
                    param="expires_at",
                )
        payment_intent_data = params.get("payment_intent_data") or {}
        if not isinstance(payment_intent_data, dict):
            raise invalid_param("Invalid payment_intent_data.", param="payment_intent_data")
        _reject_unknown(
            payment_intent_data,
            {"metadata", "description", "receipt_email"},
            prefix="payment_intent_data",
        )

        invoice_creation = invoice_params.invoice_creation(params.get("invoice_creation"))
        total = sum(item["unit_amount"] * item["quantity"] for item in line_items)
        check_total(total, line_items[0]["currency"], "line_items[0][price_data][unit_amount]")
        allow_promotion_codes, discounts = coupons.session_params(self, params, currency)
        session_id = new_id("cs_test_", 58)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "adaptive_pricing": {"enabled": False},
            "after_expiration": None,
            "allow_promotion_codes": allow_promotion_codes or None,
            "allowed_payment_method_types": None,
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "billing_address_collection": None,
            "branding_settings": None,
            "cancel_url": cancel_url,
            "client_reference_id": params.get("client_reference_id") or None,
            "client_secret": None,
            "collected_information": None,
            "consent": None,
            "consent_collection": None,
            "created": now,
            "currency": currency,
            "currency_conversion": None,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": None,
            "customer_account": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": params.get("customer_email") or None,
            "discounts": discounts,
            "excluded_payment_method_types": [],
            "expires_at": expires_at,
            "integration_identifier": None,
            "invoice": None,
            "invoice_creation": invoice_creation,
            "livemode": False,
            "locale": None,
            "managed_payments": None,
            "metadata": _parse_metadata(params.get("metadata"), "metadata"),
            "mode": "payment",
            "name_collection": None,
            "optional_items": None,
            "origin_context": None,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": "if_required",
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": payment_method_types,
            "payment_status": "unpaid",
            "permissions": None,
            "phone_number_collection": {"enabled": False},
            "presentment_details": None,
            "recovered_from": None,
            "redirect_on_completion": None,
            "return_url": None,
            "saved_payment_method_options": None,
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": success_url,
            "tax_id_collection": {"enabled": False, "required": "never"},
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_url}/checkout/{session_id}",
            "wallet_options": None,
        }
        self.store.session_details[session_id] = SessionDetails(
            line_items=line_items,
            payment_intent_metadata=_parse_metadata(
                payment_intent_data.get("metadata"), "payment_intent_data[metadata]"
            ),
            payment_intent_description=payment_intent_data.get("description") or None,
            payment_intent_receipt_email=payment_intent_data.get("receipt_email") or None,
        )
        totals.compute(self, session)  # the discount; the tax once the customer is known
        try:
            tax.configure(self, session, params, line_items)  # automatic tax, a customer
        except StripeError:
            del self.store.session_details[session_id]
            raise
        self.store.checkout_sessions[session_id] = session
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

    def expire_due_sessions(self) -> list[str]:
        """Expire every open session whose expires_at has passed (emulator clock), as Stripe
        does on its own; returns their ids. Run on every request, clock move and by a
        background sweep, so checkout.session.expired comes without anyone asking."""
        now = self.store.now()
        due = [
            session
            for session in self.store.checkout_sessions.values()
            if session["status"] == "open" and now >= session["expires_at"]
        ]
        for session in due:
            self._expire(session)
        return [session["id"] for session in due]

    def _expire_if_past(self, session: dict):
        if session["status"] == "open" and self.store.now() >= session["expires_at"]:
            self._expire(session)

    def _expire(self, session: dict):
        session["status"] = "expired"
        session["url"] = None
        self.store.record_event("checkout.session.expired", session)

    def _expand_session(self, session: dict, expand: list) -> dict:
        """Supports expand[]=line_items, invoice, payment_intent,
        payment_intent.latest_charge, total_details.breakdown and discounts.coupon /
        discounts.promotion_code."""
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
            elif field == "total_details.breakdown":  # its discounts and its taxes
                expanded["total_details"]["breakdown"] = {
                    "discounts": coupons.breakdown(self, session)["discounts"],
                    "taxes": tax.breakdown(self, session)["taxes"],
                }
            elif field == "invoice":
                if session["invoice"]:
                    expanded["invoice"] = invoices.retrieve(self, session["invoice"], {})
            elif field in ("discounts.coupon", "discounts.promotion_code"):
                expanded["discounts"] = coupons.expand_discounts(self, session, set(expand))
            else:
                raise invalid_param(f"This property cannot be expanded ({field}).", param="expand")
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
        if session["amount_total"] == 0:  # a promotion code took it all: no card, no charge
            self.mark_session_complete(session, payment_status="no_payment_required")
            return session
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
            self.fail_payment(
                payment_intent,
                {
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": _DECLINE_MESSAGE,
                    "type": "card_error",
                },
                last4="0002",
            )
            raise StripeError(
                402,
                _DECLINE_MESSAGE,
                type="card_error",
                code="card_declined",
                decline_code="generic_decline",
                extra={"charge": payment_intent["latest_charge"]},
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
            payment_method=charge["payment_method"],
        )
        payment_events.payment_succeeded(self.store, payment_intent, charge)
        return charge

    def fail_payment(self, payment_intent: dict, error: dict, last4: str = "0002") -> dict:
        """A failed attempt: a failed charge becomes the PaymentIntent's latest_charge, and
        its last_payment_error says why (as when Stripe declines)."""
        charge = self._create_charge(payment_intent, failure=error, last4=last4)
        payment_intent.update(
            status="requires_payment_method",
            latest_charge=charge["id"],
            payment_method=None,
            last_payment_error={
                **error,
                "charge": charge["id"],
                "doc_url": f"https://stripe.com/docs/error-codes/{error['code']}",
                "payment_method": {"id": charge["payment_method"], "object": "payment_method"},
            },
        )
        payment_events.payment_failed(self.store, payment_intent, charge)
        return charge

    def mark_session_complete(self, session: dict, payment_status: str):
        session.update(
            status="complete",
            payment_status=payment_status,
            url=None,
            customer_details=tax.customer_details(self, session)
            or {
                "address": dict(_NULL_ADDRESS),
                "business_name": None,
                "email": session["customer_email"],
                "individual_name": None,
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
            collected_information={
                "business_name": None,
                "individual_name": None,
                "shipping_details": None,
            },
        )
        coupons.redeemed(self, session)
        if payment_status in ("paid", "no_payment_required"):
            invoices.session_paid(self, session)
        self.store.record_event("checkout.session.completed", session)

    def session_payment_intent(self, session: dict) -> dict:
        """The session's PaymentIntent, created on first use (as when the customer pays)."""
        if session["payment_intent"]:
            return self.store.payment_intents[session["payment_intent"]]
        tax.settle(self, session)  # the customer's country is known by now
        intent_id = new_id("pi_")
        details = self.store.session_details[session["id"]]
        payment_intent = {
            "id": intent_id,
            "object": "payment_intent",
            "allowed_payment_method_types": None,
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic_async",
            "client_secret": f"{intent_id}_secret_{new_id('', 25)}",
            "confirmation_method": "automatic",
            "created": self.store.now(),
            "currency": session["currency"],
            "customer": None,
            "customer_account": None,
            "description": details.payment_intent_description,
            "excluded_payment_method_types": None,
            "hooks": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "managed_payments": None,
            "metadata": dict(details.payment_intent_metadata),
            "next_action": None,
            "on_behalf_of": None,
            "payment_details": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {
                "card": {
                    "installments": None,
                    "mandate_options": None,
                    "network": None,
                    "request_three_d_secure": "automatic",
                }
            },
            "payment_method_types": ["card"],
            "payment_record": None,
            "presentment_details": None,
            "processing": None,
            "receipt_email": details.payment_intent_receipt_email,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        self.store.payment_intents[intent_id] = payment_intent
        session["payment_intent"] = intent_id
        payment_events.intent_created(self.store, payment_intent)
        return payment_intent

    def _create_charge(
        self, payment_intent: dict, failure: dict | None = None, last4: str = "4242"
    ) -> dict:
        """A succeeded charge of the PaymentIntent, or a failed one for failure (an error
        dict with code, message and perhaps decline_code)."""
        succeeded = failure is None
        amount = payment_intent["amount"]
        charge_id = new_id("ch_")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": amount if succeeded else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "authorization_code": None,
            "balance_transaction": new_id("txn_") if succeeded else None,
            "billing_details": {
                "address": dict(_NULL_ADDRESS),
                "email": None,
                "name": None,
                "phone": None,
                "tax_id": None,
            },
            "calculated_statement_descriptor": "FAKESTRIPE",
            "captured": succeeded,
            "created": self.store.now(),
            "currency": payment_intent["currency"],
            "customer": None,
            "description": payment_intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None if succeeded else failure["code"],
            "failure_message": None if succeeded else failure["message"],
            "fraud_details": {},
            "level3": None,
            "livemode": False,
            "metadata": dict(payment_intent["metadata"]),
            "on_behalf_of": None,
            "outcome": _charge_outcome(failure),
            "paid": succeeded,
            "payment_intent": payment_intent["id"],
            "payment_method": new_id("pm_"),
            "payment_method_details": {"card": _card_details(last4), "type": "card"},
            "presentment_details": None,
            "radar_options": None,
            "receipt_email": payment_intent["receipt_email"],
            "receipt_number": None,
            "receipt_url": None if failure else invoices.receipt_url(self, charge_id),
            "refunded": False,
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "succeeded" if succeeded else "failed",
            "transfer": None,
            "transfer_data": None,
            "transfer_group": None,
        }
        self.store.charges[charge["id"]] = charge
        return charge

    # ---- PaymentIntents, Charges -------------------------------------------

    def retrieve_payment_intent(self, intent_id: str, params: dict) -> dict:
        payment_intent = _found(self.store.payment_intents, intent_id, "payment_intent", "intent")
        expand = params.get("expand") or []
        if any(field != "latest_charge" for field in expand):
            raise invalid_param(f"This property cannot be expanded ({expand}).", param="expand")
        if expand and payment_intent["latest_charge"]:
            expanded = copy.deepcopy(payment_intent)
            expanded["latest_charge"] = self.store.charges[payment_intent["latest_charge"]]
            return expanded
        return payment_intent

    def retrieve_charge(self, charge_id: str, params: dict | None = None) -> dict:
        charge = _found(self.store.charges, charge_id, "charge", "charge")
        expand = (params or {}).get("expand") or []
        if any(field != "refunds" for field in expand):
            raise invalid_param(f"This property cannot be expanded ({expand}).", param="expand")
        if expand:  # since API version 2022-11-15 refunds are only there when expanded
            refunds = [r for r in self.store.refunds.values() if r["charge"] == charge_id]
            return {
                **charge,
                "refunds": {
                    "object": "list",
                    "data": list(reversed(refunds)),
                    "has_more": False,
                    "url": f"/v1/charges/{charge_id}/refunds",
                },
            }
        return charge

    def list_charges(self, params: dict) -> dict:
        _reject_unknown(params, {"payment_intent", "created", "limit", "starting_after", "expand"})
        charges = [
            charge
            for charge in reversed(list(self.store.charges.values()))
            if params.get("payment_intent") in (None, "", charge["payment_intent"])
            and _created_matches(charge["created"], params.get("created"))
        ]
        return _paginate(charges, params, "/v1/charges")

    # ---- Refunds -----------------------------------------------------------

    def create_refund(self, params: dict) -> dict:
        _reject_unknown(
            params, {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
        )
        amount = None
        if "amount" in params:
            amount = _parse_int(params["amount"], "amount")
            if amount < 1:
                raise invalid_param("Refund amount must be a positive integer.", param="amount")
        reason = params.get("reason") or None
        if reason is not None and reason not in REFUND_REASONS:
            raise invalid_param(
                f"Invalid reason: must be one of {sorted(REFUND_REASONS)}", param="reason"
            )
        metadata = _parse_metadata(params.get("metadata"), "metadata")
        charge = self._refundable_charge(params)
        # Refunds still in flight hold their amount, as at Stripe.
        remaining = charge["amount"] - self._refunds_holding(charge["id"])
        if remaining <= 0:
            raise invalid_request(
                f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        if amount is None:
            amount = remaining
        elif amount > remaining:
            raise invalid_request(
                f"Refund amount ({amount}) is greater than unrefunded amount on "
                f"charge ({remaining})",
                param="amount",
                code="amount_too_large",
            )
        now = self.store.now()
        outcome = self.store.refund_outcome
        refund = {
            "id": new_id("re_"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": new_id("txn_"),
            "charge": charge["id"],
            "created": now,
            "currency": charge["currency"],
            "customer": None,
            "customer_account": None,
            "description": None,
            "destination_details": {
                "card": {
                    "reference": None,
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                },
                "type": "card",
            },
            "failure_balance_transaction": None,
            "failure_reason": None,
            "instructions_email": None,
            "metadata": metadata,
            "next_action": None,
            "payment_intent": charge["payment_intent"],
            "payment_method": charge["payment_method"],
            "pending_reason": None,
            "presentment_details": None,
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": outcome,
            "transfer_reversal": None,
        }
        if outcome == "pending":
            refund["pending_reason"] = "processing"
        elif outcome == "requires_action":
            refund["balance_transaction"] = None
            refund["next_action"] = {
                "type": "display_details",
                "display_details": {
                    "email_sent": {
                        "email_sent_at": now,
                        "email_sent_to": charge["receipt_email"] or "customer@example.com",
                    },
                    "expires_at": now + 30 * 24 * 60 * 60,
                },
            }
        elif outcome == "failed":  # as at Stripe, it fails later, not at once
            refund_more.fail_later(self.store, refund)
        self.store.refunds[refund["id"]] = refund
        self.store.record_event("refund.created", refund)
        if outcome == "succeeded":
            self._apply_refund_to_charge(charge, amount)
        return refund

    def settle_refund(self, refund_id: str, status, failure_reason=None) -> dict:
        """Move a refund on, as the bank does later: refund.updated (with its
        previous_attributes), then refund.failed or, on success, charge.refunded."""
        refund = self.retrieve_refund(refund_id)
        allowed = REFUND_SETTLEMENTS.get(refund["status"], ())
        if status not in allowed:
            raise invalid_param(
                f"A {refund['status']} refund cannot become {status!r}"
                + (f"; it can become one of {list(allowed)}." if allowed else "."),
                param="status",
            )
        if failure_reason is not None and status != "failed":
            raise invalid_param("failure_reason is only for status failed.", param="failure_reason")
        if status == "failed":
            failure_reason = failure_reason or "unknown"
            if failure_reason not in REFUND_FAILURE_REASONS:
                raise invalid_param(
                    f"failure_reason must be one of {list(REFUND_FAILURE_REASONS)}.",
                    param="failure_reason",
                )
        before = copy.deepcopy(refund)
        charge = self.store.charges[refund["charge"]]
        refund.update(status=status, next_action=None, pending_reason=None)
        if status == "failed":
            refund["failure_reason"] = failure_reason
            refund["failure_balance_transaction"] = new_id("txn_")
        if status == "succeeded" and refund["balance_transaction"] is None:
            refund["balance_transaction"] = new_id("txn_")
        previous = {key: before[key] for key in refund if refund[key] != before[key]}
        self.store.record_event("refund.updated", refund, previous_attributes=previous)
        self.store.record_event("charge.refund.updated", refund, previous_attributes=previous)
        if status == "failed":
            self.store.record_event("refund.failed", refund)
        if status == "succeeded":
            self._apply_refund_to_charge(charge, refund["amount"])
        elif before["status"] == "succeeded":  # succeeded, then failed: the money is back
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        return refund

    def _apply_refund_to_charge(self, charge: dict, amount: int):
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self.store.record_event("charge.refunded", charge)
        refund_more.charge_changed(self, charge)

    def _refunds_holding(self, charge_id: str) -> int:
        """What the charge's refunds hold: succeeded ones and those still in flight."""
        return sum(
            refund["amount"]
            for refund in self.store.refunds.values()
            if refund["charge"] == charge_id
            and refund["status"] in ("succeeded", "pending", "requires_action")
        )

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
            charge = self.retrieve_charge(params["charge"])
            if charge["status"] != "succeeded":
                raise invalid_request(
                    f"Charge {charge['id']} has not succeeded, so it cannot be refunded.",
                    param="charge",
                    code="charge_not_refundable",
                )
            return charge
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise invalid_param(
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


def _charge_outcome(failure: dict | None) -> dict:
    if failure is None:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "try_again_later",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": failure.get("decline_code"),
        "risk_level": "normal",
        "risk_score": 20,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _card_details(last4: str) -> dict:
    return {
        "amount_authorized": None,
        "brand": "visa",
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "pass",
        },
        "country": "US",
        "exp_month": 12,
        "exp_year": 2034,
        "fingerprint": "fakestripe" + last4,
        "funding": "credit",
        "last4": last4,
        "network": "visa",
        "three_d_secure": None,
        "wallet": None,
    }


# ---- parameter helpers -------------------------------------------------------


def _reject_unknown(params: dict, allowed: set, prefix: str = ""):
    for key in params:
        if key not in allowed:
            name = f"{prefix}[{key}]" if prefix else key
            raise invalid_param(f"Received unknown parameter: {name}", param=name)


def _required(params: dict, name: str):
    value = params.get(name)
    if value in (None, ""):
        raise missing_param(name)
    return value


def _parse_int(value, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_param(f"Invalid integer: {value}", param=param) from None


def _parse_metadata(value, param: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise invalid_param("Invalid object", param=param)
    if len(value) > 50:
        raise invalid_param("Metadata can have at most 50 keys.", param=param)
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid_param("Metadata values must be strings.", param=f"{param}[{key}]")
        if len(key) > 40 or len(item) > 500:
            raise invalid_param(
                "Metadata keys are limited to 40 characters and values to 500.",
                param=f"{param}[{key}]",
            )
    return dict(value)


def _parse_line_items(value) -> list[dict]:
    if not value:
        raise missing_param("line_items")
    if not isinstance(value, list):
        raise invalid_param("Invalid array", param="line_items")
    items = []
    for index, raw in enumerate(value):
        param = f"line_items[{index}]"
        if not isinstance(raw, dict):
            raise invalid_param("Invalid object", param=param)
        _reject_unknown(raw, {"price_data", "quantity", "price"}, prefix=param)
        if "price" in raw:
            raise invalid_param(
                "fakestripe only emulates price_data, not price ids.", param=f"{param}[price]"
            )
        price_data = raw.get("price_data")
        if not isinstance(price_data, dict):
            raise missing_param(f"{param}[price_data]")
        _reject_unknown(
            price_data,
            {"currency", "unit_amount", "product_data", "tax_behavior"},
            prefix=f"{param}[price_data]",
        )
        currency = _required_nested(price_data, "currency", f"{param}[price_data]")
        check_currency(currency, f"{param}[price_data][currency]")
        unit_amount = _parse_int(
            _required_nested(price_data, "unit_amount", f"{param}[price_data]"),
            f"{param}[price_data][unit_amount]",
        )
        if unit_amount < 0:
            raise invalid_param(
                "unit_amount must be non-negative.", param=f"{param}[price_data][unit_amount]"
            )
        product_data = price_data.get("product_data")
        if not isinstance(product_data, dict):
            raise missing_param(f"{param}[price_data][product_data]")
        name = _required_nested(product_data, "name", f"{param}[price_data][product_data]")
        quantity = _parse_int(_required_nested(raw, "quantity", param), f"{param}[quantity]")
        if quantity < 1:
            raise invalid_param("Quantity must be at least 1.", param=f"{param}[quantity]")
        items.append(
            {
                "name": name,
                "currency": currency.lower(),
                "unit_amount": unit_amount,
                "quantity": quantity,
                "tax_behavior": tax.tax_behavior(price_data, f"{param}[price_data]"),
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
            raise invalid_param(
                f"Received unknown parameter: created[{op}]", param=f"created[{op}]"
            )
        if not checks[op](_parse_int(bound, f"created[{op}]")):
            return False
    return True


def _paginate(objects_newest_first: list, params: dict, url: str) -> dict:
    limit = _parse_int(params.get("limit", 10), "limit")
    if not 1 <= limit <= 100:
        raise invalid_param("limit must be between 1 and 100.", param="limit")
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

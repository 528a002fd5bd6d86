"""Disputes: a card holder's bank disputes a charge (or first asks, an inquiry).

The API: `GET /v1/disputes/{id}`, `GET /v1/disputes` (filters `charge`, `payment_intent`,
`created`; paginated), `POST /v1/disputes/{id}/close` (accept it: lost).

The controls, for tests (what a bank and Stripe's dashboard do), each sending the events
Stripe sends:
- `POST /_fakestripe/charges/{charge}/dispute` {"reason", "amount", "inquiry",
  "evidence_due_in_seconds"}: `charge.dispute.created`, then (not for an inquiry)
  `charge.dispute.funds_withdrawn`; the charge becomes `disputed`;
- `POST /_fakestripe/disputes/{id}/respond`: evidence submitted, `charge.dispute.updated`
  (needs_response → under_review);
- `POST /_fakestripe/disputes/{id}/escalate`: an inquiry becomes a dispute,
  `charge.dispute.updated` and `charge.dispute.funds_withdrawn`;
- `POST /_fakestripe/disputes/{id}/close` {"status": "won" | "lost" | "warning_closed"}:
  `charge.dispute.closed`, then for a won dispute `charge.dispute.funds_reinstated`.

Callers hold ``store.lock``. Errors are raised as StripeError (API) or
ControlRequestError (controls).
"""

import copy

from fakekit.control import ControlRequestError

from .api import _created_matches, _found, _paginate, _reject_unknown
from .errors import invalid_request
from .store import Store, new_id

REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
OPEN = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")
CLOSINGS = {
    # from: what it may close as
    "needs_response": ("won", "lost"),
    "under_review": ("won", "lost"),
    "warning_needs_response": ("warning_closed",),
    "warning_under_review": ("warning_closed",),
}
DISPUTE_FEE = 1500  # Stripe's fee per dispute, in the charge's minor units
DEFAULT_EVIDENCE_SECONDS = 7 * 24 * 60 * 60
EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)


def _disputes(store: Store) -> dict:
    return store.disputes


# ---- the API ----------------------------------------------------------------------


def retrieve(store: Store, dispute_id: str) -> dict:
    return _found(_disputes(store), dispute_id, "dispute", "dispute")


def list_disputes(store: Store, params: dict) -> dict:
    _reject_unknown(
        params, {"charge", "payment_intent", "created", "limit", "starting_after", "expand"}
    )
    filters = {key: params[key] for key in ("charge", "payment_intent") if params.get(key)}
    found = [
        dispute
        for dispute in reversed(list(_disputes(store).values()))
        if all(dispute[key] == value for key, value in filters.items())
        and _created_matches(dispute["created"], params.get("created"))
    ]
    return _paginate(found, params, "/v1/disputes")


def accept(store: Store, dispute_id: str) -> dict:
    """POST /v1/disputes/{id}/close: the merchant accepts the dispute; it is lost."""
    dispute = retrieve(store, dispute_id)
    if dispute["status"] not in ("needs_response", "warning_needs_response"):
        raise invalid_request(
            f"This dispute is {dispute['status']} and can no longer be closed.",
            code="dispute_already_closed" if dispute["status"] not in OPEN else None,
        )
    dispute["status"] = "lost" if dispute["status"] == "needs_response" else "warning_closed"
    dispute["is_charge_refundable"] = False
    store.record_event("charge.dispute.closed", dispute)
    return dispute


# ---- the controls ----------------------------------------------------------------------


def open_dispute(store: Store, charge_id: str, body: dict) -> dict:
    unknown = set(body) - {"reason", "amount", "inquiry", "evidence_due_in_seconds"}
    if unknown:
        raise ControlRequestError(f"unknown fields {sorted(unknown)}")
    charge = store.charges.get(charge_id)
    if charge is None:
        raise ControlRequestError(f"no charge {charge_id!r}")
    if charge["status"] != "succeeded":
        raise ControlRequestError(f"charge {charge_id} did not succeed: nothing to dispute")
    if charge["disputed"]:
        raise ControlRequestError(f"charge {charge_id} is disputed already")
    reason = body.get("reason", "fraudulent")
    if reason not in REASONS:
        raise ControlRequestError(f"reason must be one of {list(REASONS)}")
    amount = body.get("amount", charge["amount"])
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or not 0 < amount <= charge["amount"]
    ):
        raise ControlRequestError("amount must be a positive integer up to the charge's amount")
    due_in = body.get("evidence_due_in_seconds", DEFAULT_EVIDENCE_SECONDS)
    if isinstance(due_in, bool) or not isinstance(due_in, int) or due_in < 0:
        raise ControlRequestError("evidence_due_in_seconds must be a non-negative integer")
    inquiry = bool(body.get("inquiry", False))
    now = store.now()
    dispute = {
        "id": new_id("dp_"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge_id,
        "created": now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {
            **dict.fromkeys(EVIDENCE_FIELDS),
            "appeal": None,
            "enhanced_evidence": {},
        },
        "evidence_details": {
            "due_by": now + due_in,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        "intended_submission_method": None,
        "is_charge_refundable": inquiry,
        "livemode": False,
        "metadata": {},
        "network_reason_code": "10.4" if reason == "fraudulent" else "13.1",
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "amazon_pay": None,
            "card": {
                "brand": "visa",
                "case_type": "inquiry" if inquiry else "chargeback",
                "network": "visa",
                "network_reason_code": "10.4" if reason == "fraudulent" else "13.1",
            },
            "klarna": None,
            "paypal": None,
            "type": "card",
        },
        "reason": reason,
        "status": "warning_needs_response" if inquiry else "needs_response",
    }
    _disputes(store)[dispute["id"]] = dispute
    charge["disputed"] = True
    store.record_event("charge.dispute.created", dispute)
    if not inquiry:
        _withdraw_funds(store, dispute)
    return dispute


def respond(store: Store, dispute_id: str) -> dict:
    """Evidence submitted (in the dashboard, say): the bank reviews it."""
    dispute = _control_dispute(store, dispute_id)
    moves = {"needs_response": "under_review", "warning_needs_response": "warning_under_review"}
    if dispute["status"] not in moves:
        raise ControlRequestError(f"a {dispute['status']} dispute awaits no evidence")
    before = copy.deepcopy(dispute)
    dispute["status"] = moves[dispute["status"]]
    dispute["evidence"]["uncategorized_text"] = "Evidence submitted through fakestripe."
    dispute["evidence_details"].update(
        has_evidence=True, submission_count=1, submission_method="manual"
    )
    _updated(store, dispute, before)
    return dispute


def escalate(store: Store, dispute_id: str) -> dict:
    """An inquiry becomes a chargeback: the funds are withdrawn."""
    dispute = _control_dispute(store, dispute_id)
    if not dispute["status"].startswith("warning_") or dispute["status"] == "warning_closed":
        raise ControlRequestError(f"a {dispute['status']} dispute is not an open inquiry")
    before = copy.deepcopy(dispute)
    dispute["status"] = "needs_response"
    dispute["is_charge_refundable"] = False
    dispute["payment_method_details"]["card"]["case_type"] = "chargeback"
    _updated(store, dispute, before)
    _withdraw_funds(store, dispute)
    return dispute


def close(store: Store, dispute_id: str, body: dict) -> dict:
    """The bank decides: won (the funds come back), lost, or an inquiry closed."""
    unknown = set(body) - {"status"}
    if unknown:
        raise ControlRequestError(f"unknown fields {sorted(unknown)}")
    dispute = _control_dispute(store, dispute_id)
    status = body.get("status")
    allowed = CLOSINGS.get(dispute["status"], ())
    if status not in allowed:
        raise ControlRequestError(
            f"a {dispute['status']} dispute cannot close as {status!r}"
            + (f"; it can close as one of {list(allowed)}" if allowed else "")
        )
    dispute["status"] = status
    dispute["is_charge_refundable"] = False
    store.record_event("charge.dispute.closed", dispute)
    if status == "won" and dispute["balance_transactions"]:
        _balance_transaction(store, dispute, dispute["amount"], "dispute_reversal")
        store.record_event("charge.dispute.funds_reinstated", dispute)
    return dispute


def _control_dispute(store: Store, dispute_id: str) -> dict:
    dispute = _disputes(store).get(dispute_id)
    if dispute is None:
        raise ControlRequestError(f"no dispute {dispute_id!r}")
    return dispute


def _updated(store: Store, dispute: dict, before: dict):
    previous = {key: before[key] for key in dispute if dispute[key] != before[key]}
    store.record_event("charge.dispute.updated", dispute, previous_attributes=previous)


def _withdraw_funds(store: Store, dispute: dict):
    _balance_transaction(store, dispute, -dispute["amount"], "dispute", fee=DISPUTE_FEE)
    store.record_event("charge.dispute.funds_withdrawn", dispute)


def _balance_transaction(store: Store, dispute: dict, amount: int, category: str, fee: int = 0):
    """A movement of our balance caused by the dispute, listed on it as Stripe lists them."""
    now = store.now()
    fee_details = (
        [
            {
                "amount": fee,
                "application": None,
                "currency": dispute["currency"],
                "description": "Dispute fee",
                "type": "stripe_fee",
            }
        ]
        if fee
        else []
    )
    dispute["balance_transactions"].append(
        {
            "id": new_id("txn_"),
            "object": "balance_transaction",
            "amount": amount,
            "available_on": now,
            "balance_type": "payments",
            "created": now,
            "currency": dispute["currency"],
            "description": f"Chargeback {'withdrawal' if amount < 0 else 'reversal'} for "
            + dispute["charge"],
            "exchange_rate": None,
            "fee": fee,
            "fee_details": fee_details,
            "net": amount - fee,
            "reporting_category": category,
            "source": dispute["id"],
            "status": "available",
            "type": "adjustment",
        }
    )

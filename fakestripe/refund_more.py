"""Refunds beyond the API's own: made from "the Dashboard", failing later, and early fraud
warnings (Stripe Radar), with the events Stripe sends for each.

- A Dashboard refund (POST /_fakestripe/charges/<id>/dashboard_refund {"amount"?}) is a
  refund no API client asked for, full or partial: refund.created and, once made,
  charge.refunded (with the charge's amount_refunded, `refunded` true only when all of it
  is back), as Stripe sends for any refund.
- A refund never starts failed: with refund_outcome "failed" it is created `pending`
  (that is the API's answer) and fails on the next sweep (at the next request, or within
  a second), sending refund.updated, charge.refund.updated and refund.failed, as a
  `settle_refund` to "failed" does.
- An early fraud warning (POST /_fakestripe/charges/<id>/early_fraud_warning
  {"fraud_type"?, "actionable"?}) sends radar.early_fraud_warning.created; it is read with
  GET /v1/radar/early_fraud_warnings/<id> and listed by charge or payment_intent. Like
  Stripe, a warning stops being actionable once its charge is fully refunded (or
  disputed): radar.early_fraud_warning.updated.

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

import copy

from .errors import invalid_param, invalid_request, resource_missing
from .store import new_id

FRAUD_TYPES = (
    "card_never_received",
    "fraudulent_card_application",
    "made_with_counterfeit_card",
    "made_with_lost_card",
    "made_with_stolen_card",
    "misc",
    "unauthorized_use_of_card",
)


# ---- Dashboard refunds -------------------------------------------------------------


def dashboard_refund(api, charge_id: str, body: dict) -> dict:
    """Refund a charge as from Stripe's Dashboard: all that is left, or `amount`."""
    unknown = set(body) - {"amount", "reason"}
    if unknown:
        raise invalid_request(f"unknown fields {sorted(unknown)}")
    params = {"charge": charge_id}
    if body.get("amount") is not None:
        params["amount"] = str(body["amount"])
    if body.get("reason") is not None:
        params["reason"] = body["reason"]
    return api.create_refund(params)


# ---- Refunds that fail later ---------------------------------------------------------


def fail_later(store, refund: dict):
    """A refund asked to fail is made `pending` now and fails on the next sweep."""
    refund["status"] = "pending"
    refund["pending_reason"] = "processing"
    store.refunds_failing_later.append(refund["id"])


def fail_due_refunds(api):
    """The sweep: refunds waiting to fail fail now (refund.updated, charge.refund.updated,
    refund.failed). One settled meanwhile (by the control) is left as it is."""
    due, api.store.refunds_failing_later = api.store.refunds_failing_later, []
    for refund_id in due:
        if api.store.refunds[refund_id]["status"] == "pending":
            api.settle_refund(refund_id, "failed", "unknown")


# ---- Early fraud warnings -------------------------------------------------------------


def create_early_fraud_warning(api, charge_id: str, body: dict) -> dict:
    unknown = set(body) - {"fraud_type", "actionable"}
    if unknown:
        raise invalid_request(f"unknown fields {sorted(unknown)}")
    fraud_type = body.get("fraud_type", "made_with_stolen_card")
    if fraud_type not in FRAUD_TYPES:
        raise invalid_param(f"fraud_type must be one of {list(FRAUD_TYPES)}.", param="fraud_type")
    actionable = body.get("actionable", True)
    if not isinstance(actionable, bool):
        raise invalid_param("actionable must be true or false.", param="actionable")
    charge = api.retrieve_charge(charge_id)
    if charge["status"] != "succeeded":
        raise invalid_request(f"Charge {charge_id} has not succeeded.", param="charge")
    warning = {
        "id": new_id("issfr_"),
        "object": "radar.early_fraud_warning",
        "actionable": actionable and not charge["refunded"] and not charge["disputed"],
        "charge": charge_id,
        "created": api.store.now(),
        "fraud_type": fraud_type,
        "livemode": False,
        "payment_intent": charge["payment_intent"],
    }
    api.store.early_fraud_warnings[warning["id"]] = warning
    api.store.record_event("radar.early_fraud_warning.created", warning)
    return warning


def retrieve_early_fraud_warning(api, warning_id: str, params: dict) -> dict:
    warning = api.store.early_fraud_warnings.get(warning_id)
    if warning is None:
        raise resource_missing("radar.early_fraud_warning", warning_id, "early_fraud_warning")
    return _expanded(api, warning, params)


def list_early_fraud_warnings(api, params: dict) -> dict:
    from .api import _created_matches, _paginate, _reject_unknown  # api imports this module

    _reject_unknown(
        params, {"charge", "payment_intent", "created", "limit", "starting_after", "expand"}
    )
    filters = {key: params[key] for key in ("charge", "payment_intent") if params.get(key)}
    warnings = [
        warning
        for warning in reversed(list(api.store.early_fraud_warnings.values()))
        if all(warning[key] == value for key, value in filters.items())
        and _created_matches(warning["created"], params.get("created"))
    ]
    return _paginate(warnings, params, "/v1/radar/early_fraud_warnings")


def _expanded(api, warning: dict, params: dict) -> dict:
    expand = params.get("expand") or []
    if any(field not in ("charge", "payment_intent") for field in expand):
        raise invalid_param(f"This property cannot be expanded ({expand}).", param="expand")
    if not expand:
        return warning
    expanded = copy.deepcopy(warning)
    if "charge" in expand:
        expanded["charge"] = api.store.charges[warning["charge"]]
    if "payment_intent" in expand and warning["payment_intent"]:
        expanded["payment_intent"] = api.store.payment_intents[warning["payment_intent"]]
    return expanded


def charge_changed(api, charge: dict):
    """A charge fully refunded (or disputed) makes its warnings no longer actionable."""
    if not (charge["refunded"] or charge["disputed"]):
        return
    for warning in api.store.early_fraud_warnings.values():
        if warning["charge"] == charge["id"] and warning["actionable"]:
            warning["actionable"] = False
            api.store.record_event(
                "radar.early_fraud_warning.updated",
                warning,
                previous_attributes={"actionable": True},
            )

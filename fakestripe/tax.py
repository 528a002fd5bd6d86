"""Stripe Tax in Checkout, simply: a rate table, a seller's origin and one reverse charge rule.

Session params, validated as Stripe does: `automatic_tax[enabled]`,
`billing_address_collection` ("auto" / "required"), `tax_id_collection[enabled]`,
`customer` and `customer_update[address|name]` ("auto" / "never"), and each line item's
`price_data[tax_behavior]` ("exclusive" / "inclusive" / "unspecified").

How the tax is computed (only when automatic_tax is enabled):
- the customer's country is the billing address entered on the hosted page, else the
  customer's address; the hosted page preselects a country (the customer's, else
  FAKESTRIPE_BILLING_COUNTRY, default "US", as Stripe guesses one from the IP address);
- the seller is registered in every country of RATES and sells from
  FAKESTRIPE_TAX_ORIGIN (default "IE");
- a country not in RATES: no tax, taxability_reason "not_collecting";
- a customer with tax_exempt "exempt": no tax, "customer_exempt"; "reverse": no tax,
  "reverse_charge";
- a business (a customer with a VAT tax ID: eu_vat, gb_vat, ch_vat, no_vat, entered on
  the hosted page or on the customer) in another country than the origin: no tax,
  "reverse_charge" (the customer accounts for the VAT);
- anyone else: the country's standard rate, "standard_rated".
The tax is computed on the subtotal less any discount (total_details.amount_discount),
rounded half up to the minor unit; exclusive prices add it to the total, inclusive ones
contain it (amount_tax reports it either way).

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

import os

from . import customers
from .errors import StripeError, invalid_param, missing_param
from .tax_rates import BUSINESS_TAX_IDS, COUNTRIES, RATES, TAX_TYPES

SESSION_PARAMS = {
    "automatic_tax",
    "billing_address_collection",
    "tax_id_collection",
    "customer",
    "customer_update",
}
TAX_BEHAVIORS = ("exclusive", "inclusive", "unspecified")


def origin() -> str:
    return os.environ.get("FAKESTRIPE_TAX_ORIGIN", "IE").upper()


def guessed_country() -> str:
    return os.environ.get("FAKESTRIPE_BILLING_COUNTRY", "US").upper()


# ---- creating a session ---------------------------------------------------------------


def tax_behavior(price_data: dict, param: str) -> str:
    """A line item's price_data[tax_behavior] ("unspecified" when not given)."""
    behavior = price_data.get("tax_behavior") or "unspecified"
    if behavior not in TAX_BEHAVIORS:
        raise invalid_param(
            f"Invalid tax_behavior: must be one of {', '.join(TAX_BEHAVIORS)}",
            param=f"{param}[tax_behavior]",
        )
    return behavior


def configure(api, session: dict, params: dict, line_items: list[dict]):
    """Set the new session's tax fields from its params, refusing what Stripe refuses; when
    its customer's address is known, the tax is computed at once (as Stripe does)."""
    enabled = _enabled(params, "automatic_tax")
    collect_ids = _enabled(params, "tax_id_collection")
    billing = params.get("billing_address_collection") or None
    if billing not in (None, "auto", "required"):
        raise invalid_param(
            "Invalid billing_address_collection: must be one of auto or required",
            param="billing_address_collection",
        )
    customer_id = params.get("customer") or None
    update = params.get("customer_update") or {}
    if not isinstance(update, dict) or set(update) - {"address", "name", "shipping"}:
        raise invalid_param("Invalid customer_update.", param="customer_update")
    for key, value in update.items():
        if value not in ("auto", "never"):
            raise invalid_param(
                f"Invalid customer_update[{key}]: must be one of auto or never",
                param=f"customer_update[{key}]",
            )
    customer = None
    if customer_id:
        if params.get("customer_email"):
            raise invalid_param(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )
        customer = customers.found(api, customer_id, "customer")
    elif update:
        raise invalid_param(
            "`customer_update` can only be used with `customer`.", param="customer_update"
        )
    if customer and collect_ids and update.get("name") != "auto":
        raise invalid_param(
            "tax_id_collection requires updating business name on the customer. To enable "
            "tax id collection for an existing customer, please set `customer_update[name]` "
            "to `auto`.",
            param="tax_id_collection[enabled]",
        )
    if (
        customer
        and enabled
        and not (customer["address"] or {}).get("country")
        and update.get("address") != "auto"
        and update.get("shipping") != "auto"
    ):
        raise invalid_param(
            "Automatic tax calculation in Checkout requires a valid address on the Customer. "
            "Add a valid address to the Customer or set either `customer_update[address]` to "
            "'auto' or `customer_update[shipping]` to 'auto' to save the address entered in "
            "Checkout to the Customer.",
            param="automatic_tax[enabled]",
        )
    if enabled and any(item["tax_behavior"] == "unspecified" for item in line_items):
        raise invalid_param(
            "Stripe Tax needs every price's tax behavior: set "
            "`line_items[][price_data][tax_behavior]` to `exclusive` or `inclusive`, or a "
            "default tax behavior in your Dashboard's tax settings.",
            param="line_items",
        )
    session.update(
        billing_address_collection=billing,
        customer=customer_id,
        tax_id_collection={"enabled": collect_ids, "required": "never"},
    )
    session["automatic_tax"]["enabled"] = enabled
    state = {"customer_update": dict(update), "billing_address": None, "tax_ids": []}
    api.store.session_tax[session["id"]] = state
    if enabled:
        session["automatic_tax"].update(
            liability={"account": None, "type": "self"},
            provider="stripe",
            status="requires_location_inputs",
        )
        if customer and (customer["address"] or {}).get("country"):
            compute(api, session)


def _enabled(params: dict, name: str) -> bool:
    value = params.get(name)
    if value in (None, ""):
        return False
    if not isinstance(value, dict) or "enabled" not in value:
        raise missing_param(f"{name}[enabled]")
    if set(value) - {"enabled", "required", "liability"}:
        raise invalid_param(f"Invalid {name}.", param=name)
    flag = str(value["enabled"]).lower()
    if flag not in ("true", "false"):
        raise invalid_param(f"Invalid boolean: {value['enabled']}", param=f"{name}[enabled]")
    return flag == "true"


# ---- the customer pays ----------------------------------------------------------------


def collect(api, session: dict, form: dict):
    """What the hosted page (or the complete hook) collected: `billing_country` and, when
    tax ID collection is on, `tax_id` (a VAT number). Raises a validation_error, shown on
    the page, for a missing or unknown country."""
    if session["status"] != "open" or not (
        session["billing_address_collection"] or session["automatic_tax"]["enabled"]
    ):
        return
    state = api.store.session_tax[session["id"]]
    country = (form.get("billing_country") or "").strip().upper()
    if not country:
        if session["billing_address_collection"] == "required":
            raise StripeError(
                400,
                "Select the country of your billing address.",
                type="validation_error",
                code="incomplete_address",
                param="billing_country",
            )
        return
    if country not in COUNTRIES:
        raise StripeError(
            400,
            "Select a country from the list.",
            type="validation_error",
            code="invalid_country",
            param="billing_country",
        )
    state["billing_address"] = {**customers.parse_address({}, "address"), "country": country}
    state["breakdown"] = None  # computed again as the customer pays
    if session["customer"] and state["customer_update"].get("address") == "auto":
        customers.update_address(api, session["customer"], state["billing_address"])
    value = (form.get("tax_id") or "").replace(" ", "").upper()
    if value and session["tax_id_collection"]["enabled"]:
        kind = "gb_vat" if value.startswith("GB") else "eu_vat"
        state["tax_ids"] = [{"type": kind, "value": value}]


def settle(api, session: dict):
    """The customer pays: the tax is computed from what is known of them by now (a
    billing country not entered, as by the complete hook, is the preselected one)."""
    state = api.store.session_tax[session["id"]]
    if not session["automatic_tax"]["enabled"] or state.get("breakdown"):
        return  # no tax, or computed for what is known (settle runs once per payment)
    if location(api, session) is None:
        state["billing_address"] = {
            **customers.parse_address({}, "address"),
            "country": guessed_country(),
        }
    compute(api, session)


def location(api, session: dict):
    """The address the tax is computed for: the one entered on the page, else the
    customer's; None when neither is known."""
    state = api.store.session_tax.get(session["id"]) or {}
    if state.get("billing_address"):
        return state["billing_address"]
    if session["customer"]:
        address = api.store.customers[session["customer"]]["address"]
        if (address or {}).get("country"):
            return address
    return None


def tax_ids(api, session: dict) -> list[dict]:
    """The customer's tax IDs ({type, value}): the customer's, and any entered on the page."""
    state = api.store.session_tax.get(session["id"]) or {}
    known = []
    if session["customer"]:
        known = [
            {"type": t["type"], "value": t["value"]}
            for t in customers.tax_ids_of(api, session["customer"])
        ]
    return known + list(state.get("tax_ids") or [])


def compute(api, session: dict):
    """Set the session's amount_tax, amount_total and automatic_tax.status."""
    state = api.store.session_tax[session["id"]]
    country = location(api, session)["country"]
    exempt = "none"
    if session["customer"]:
        exempt = api.store.customers[session["customer"]]["tax_exempt"]
    items = api.store.session_details[session["id"]].line_items
    inclusive = all(item["tax_behavior"] == "inclusive" for item in items)
    taxable = session["amount_subtotal"] - (session["total_details"].get("amount_discount") or 0)
    rate, reason = rate_for(country, exempt, tax_ids(api, session))
    if inclusive:
        tax = taxable - (taxable * 10000 * 2 + (10000 + rate)) // (2 * (10000 + rate))
    else:
        tax = (taxable * rate * 2 + 10000) // 20000
    session["total_details"]["amount_tax"] = tax
    session["amount_total"] = taxable + (0 if inclusive else tax)
    session["automatic_tax"]["status"] = "complete"
    state["breakdown"] = {
        "amount": tax,
        "rate": _tax_rate(api, country, rate, inclusive),
        "taxability_reason": reason,
        "taxable_amount": taxable if reason == "standard_rated" else 0,
    }


def rate_for(country: str, tax_exempt: str, ids: list[dict]) -> tuple[int, str]:
    """(basis points, taxability_reason) for a customer in `country` (see the docstring)."""
    if country not in RATES:
        return 0, "not_collecting"
    if tax_exempt == "exempt":
        return 0, "customer_exempt"
    if tax_exempt == "reverse":
        return 0, "reverse_charge"
    if country != origin() and any(t["type"] in BUSINESS_TAX_IDS for t in ids):
        return 0, "reverse_charge"
    return RATES[country], "standard_rated"


def _tax_rate(api, country: str, rate: int, inclusive: bool) -> dict:
    kind = TAX_TYPES.get(country, "vat")
    percentage = rate / 100
    label = f"{percentage:g}"
    return {
        "id": f"txr_fake_{country.lower()}_{rate}_{'inc' if inclusive else 'exc'}",
        "object": "tax_rate",
        "active": True,
        "country": country,
        "created": api.store.now(),
        "description": None,
        "display_name": kind.upper(),
        "effective_percentage": percentage,
        "flat_amount": None,
        "inclusive": inclusive,
        "jurisdiction": COUNTRIES.get(country, country),
        "jurisdiction_level": "country",
        "livemode": False,
        "metadata": {},
        "percentage": float(label),
        "rate_type": "percentage",
        "state": None,
        "tax_type": kind,
    }


# ---- what the session and its invoice show ---------------------------------------------


def breakdown(api, session: dict) -> dict:
    """total_details.breakdown (includable: expand[]=total_details.breakdown)."""
    state = api.store.session_tax.get(session["id"]) or {}
    taxes = [state["breakdown"]] if state.get("breakdown") else []
    return {"discounts": [], "taxes": taxes}


def customer_details(api, session: dict) -> dict | None:
    """The session's customer_details when it completes with automatic tax or a customer,
    None to leave the default."""
    if not (session["automatic_tax"]["enabled"] or session["customer"]):
        return None
    customer = api.store.customers.get(session["customer"]) if session["customer"] else None
    address = location(api, session)
    exempt = customer["tax_exempt"] if customer else "none"
    return {
        "address": {**customers.parse_address({}, "address"), **(address or {})},
        "business_name": None,
        "email": (customer or {}).get("email") or session["customer_email"],
        "individual_name": None,
        "name": (customer or {}).get("name"),
        "phone": None,
        "tax_exempt": exempt,
        "tax_ids": tax_ids(api, session),
    }


def invoice_fields(api, session: dict) -> dict:
    """What an invoice made for the session says of tax and its customer."""
    state = api.store.session_tax.get(session["id"]) or {}
    taxed = state.get("breakdown")
    customer = api.store.customers.get(session["customer"]) if session["customer"] else None
    fields = {"customer": session["customer"]}
    if customer:
        fields.update(
            customer_address=customer["address"],
            customer_name=customer["name"],
            customer_tax_exempt=customer["tax_exempt"],
        )
    fields["customer_tax_ids"] = [
        {"type": t["type"], "value": t["value"]} for t in tax_ids(api, session)
    ]
    if not taxed:
        return fields
    total = session["amount_total"]
    fields.update(
        amount_due=total,
        amount_remaining=total,
        total=total,
        total_excluding_tax=total - (0 if taxed["rate"]["inclusive"] else taxed["amount"]),
        automatic_tax={
            "disabled_reason": None,
            "enabled": True,
            "liability": {"account": None, "type": "self"},
            "provider": "stripe",
            "status": "complete",
        },
        total_taxes=[
            {
                "amount": taxed["amount"],
                "tax_behavior": "inclusive" if taxed["rate"]["inclusive"] else "exclusive",
                "tax_rate_details": {"tax_rate": taxed["rate"]["id"]},
                "taxability_reason": taxed["taxability_reason"],
                "taxable_amount": taxed["taxable_amount"],
                "type": "tax_rate_details",
            }
        ],
    )
    return fields


def summary_lines(api, session: dict) -> list[tuple[str, int]]:
    """The hosted page's tax line: ("VAT 19 %", amount) or ("Reverse charge", 0); none
    before the customer's country is known."""
    state = api.store.session_tax.get(session["id"]) or {}
    taxed = state.get("breakdown")
    if not session["automatic_tax"]["enabled"] or not taxed:
        return []
    reason, rate = taxed["taxability_reason"], taxed["rate"]
    if reason == "standard_rated":
        label = f"{rate['display_name']} {rate['percentage']:g} %"
        if rate["inclusive"]:
            label += " (included)"
        return [(label, taxed["amount"])]
    labels = {
        "reverse_charge": "Reverse charge",
        "customer_exempt": "Tax exempt",
        "not_collecting": "No tax collected",
    }
    return [(labels.get(reason, reason), 0)]


def page(api, session: dict) -> dict:
    """What the hosted page shows and asks for tax: its tax lines, the preselected billing
    country (None: no country asked) and whether it asks for a VAT number."""
    asks = bool(session["billing_address_collection"] or session["automatic_tax"]["enabled"])
    known = location(api, session)
    return {
        "lines": summary_lines(api, session),
        "country": ((known or {}).get("country") or guessed_country()) if asks else None,
        "tax_id": session["tax_id_collection"]["enabled"],
        "pending": session["automatic_tax"]["enabled"] and not summary_lines(api, session),
    }

"""Customers and their tax IDs (POST/GET /v1/customers, /v1/customers/{id}/tax_ids).

What fakestripe keeps of a customer is what Checkout and Stripe Tax read: email, name,
address (its country decides the tax), tax_exempt and tax IDs. A tax ID's verification
follows Stripe's test-mode numbers: a value containing 111111111 is "unverified", one
containing 222222222 "unavailable", any other "verified" (Stripe verifies eu_vat against
VIES and gb_vat against HMRC asynchronously; fakestripe answers at once).

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

from .errors import invalid_param, resource_missing
from .store import new_id

# Tax ID types fakestripe accepts (Stripe knows ~100): the European VAT numbers and a few.
# Its country: an eu_vat number's prefix (EL is Greece), the type's country for the others.
TAX_ID_TYPES = {
    "eu_vat": None,
    "gb_vat": "GB",
    "ch_vat": "CH",
    "no_vat": "NO",
    "au_abn": "AU",
    "nz_gst": "NZ",
    "us_ein": "US",
}
TAX_EXEMPT = ("none", "exempt", "reverse")
ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
_CUSTOMER_PARAMS = {
    "email",
    "name",
    "address",
    "tax_id_data",
    "tax_exempt",
    "metadata",
    "description",
    "expand",
}


def create(api, params: dict) -> dict:
    unknown = sorted(set(params) - _CUSTOMER_PARAMS)
    if unknown:
        raise invalid_param(f"Received unknown parameter: {unknown[0]}", param=unknown[0])
    tax_exempt = params.get("tax_exempt") or "none"
    if tax_exempt not in TAX_EXEMPT:
        raise invalid_param(
            f"Invalid tax_exempt: must be one of {', '.join(TAX_EXEMPT)}", param="tax_exempt"
        )
    customer_id = new_id("cus_", 14)
    customer = {
        "id": customer_id,
        "object": "customer",
        "address": parse_address(params.get("address"), "address"),
        "balance": 0,
        "business_name": None,
        "cash_balance": None,
        "created": api.store.now(),
        "currency": None,
        "customer_account": None,
        "default_source": None,
        "delinquent": False,
        "description": params.get("description") or None,
        "discount": None,
        "email": params.get("email") or None,
        "individual_name": None,
        "invoice_credit_balance": {},
        "invoice_prefix": new_id("", 8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": dict(params.get("metadata") or {}),
        "name": params.get("name") or None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": tax_exempt,
        "test_clock": None,
    }
    data = params.get("tax_id_data") or []
    if not isinstance(data, list):
        raise invalid_param("Invalid array", param="tax_id_data")
    tax_ids = [_tax_id(api, customer_id, item, f"tax_id_data[{i}]") for i, item in enumerate(data)]
    api.store.customers[customer_id] = customer
    api.store.tax_ids[customer_id] = tax_ids
    return shown(api, customer, params.get("expand") or [])


def retrieve(api, customer_id: str, params: dict) -> dict:
    return shown(api, found(api, customer_id, "id"), params.get("expand") or [])


def found(api, customer_id: str, param: str) -> dict:
    customer = api.store.customers.get(customer_id)
    if customer is None:
        raise resource_missing("customer", customer_id, param=param)
    return customer


def list_customers(api, params: dict) -> dict:
    email = params.get("email")
    data = [
        shown(api, customer)
        for customer in reversed(list(api.store.customers.values()))
        if not email or customer["email"] == email
    ]
    return {"object": "list", "data": data[:100], "has_more": False, "url": "/v1/customers"}


def list_tax_ids(api, customer_id: str) -> dict:
    found(api, customer_id, "customer")
    data = list(api.store.tax_ids[customer_id])
    url = f"/v1/customers/{customer_id}/tax_ids"
    return {"object": "list", "data": data, "has_more": False, "url": url}


def create_tax_id(api, customer_id: str, params: dict) -> dict:
    found(api, customer_id, "customer")
    tax_id = _tax_id(api, customer_id, params, "")
    api.store.tax_ids[customer_id].append(tax_id)
    return tax_id


def update_address(api, customer_id: str, address: dict):
    """customer_update[address]=auto: the address entered in Checkout is saved on it."""
    api.store.customers[customer_id]["address"] = dict(address)


def tax_ids_of(api, customer_id: str) -> list[dict]:
    return list(api.store.tax_ids.get(customer_id, []))


def shown(api, customer: dict, expand=()) -> dict:
    """The customer as the API returns it: tax and tax_ids are includable (expand[])."""
    body = dict(customer)
    for field in expand:
        if field == "tax_ids":
            body["tax_ids"] = list_tax_ids(api, customer["id"])
        elif field == "tax":
            country = (customer["address"] or {}).get("country")
            body["tax"] = {
                "automatic_tax": "supported" if country else "unrecognized_location",
                "ip_address": None,
                "location": {"country": country, "source": "billing_address", "state": None}
                if country
                else None,
                "provider": "stripe",
            }
        else:
            raise invalid_param(f"This property cannot be expanded ({field}).", param="expand")
    return body


def parse_address(value, param: str):
    if value in (None, ""):
        return None
    if not isinstance(value, dict):
        raise invalid_param("Invalid object", param=param)
    unknown = sorted(set(value) - set(ADDRESS_FIELDS))
    if unknown:
        raise invalid_param(
            f"Received unknown parameter: {param}[{unknown[0]}]", param=f"{param}[{unknown[0]}]"
        )
    address = {name: value.get(name) or None for name in ADDRESS_FIELDS}
    if address["country"]:
        address["country"] = address["country"].upper()
    return address


def _tax_id(api, customer_id: str, raw, param: str) -> dict:
    prefix = f"{param}" if param else ""
    if not isinstance(raw, dict):
        raise invalid_param("Invalid object", param=param or "tax_id")
    kind, value = raw.get("type"), (raw.get("value") or "").replace(" ", "").upper()
    if kind not in TAX_ID_TYPES:
        raise invalid_param(
            f"Invalid value for type: {kind!r} is not a supported tax ID type.",
            param=f"{prefix}[type]" if prefix else "type",
        )
    country = TAX_ID_TYPES[kind] or ("GR" if value[:2] == "EL" else value[:2])
    if len(value) < 4 or not country.isalpha():
        raise invalid_param(
            f"Invalid value for {kind}.", param=f"{prefix}[value]" if prefix else "value"
        )
    status = "verified"
    if "111111111" in value:
        status = "unverified"
    elif "222222222" in value:
        status = "unavailable"
    return {
        "id": new_id("txi_"),
        "object": "tax_id",
        "country": country,
        "created": api.store.now(),
        "customer": customer_id,
        "customer_account": None,
        "livemode": False,
        "owner": {
            "account": None,
            "application": None,
            "customer": customer_id,
            "type": "customer",
        },
        "type": kind,
        "value": value,
        "verification": {"status": status, "verified_address": None, "verified_name": None},
    }

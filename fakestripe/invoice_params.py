"""Checking a Checkout Session's `invoice_creation` parameter as Stripe checks it
(fakestripe.invoices makes the invoice).

Errors are raised as StripeError.
"""

from .errors import invalid_param

# Stripe's limits on invoice_creation[invoice_data].
MAX_CUSTOM_FIELDS = 4
MAX_CUSTOM_FIELD_NAME = 40
MAX_CUSTOM_FIELD_VALUE = 140
MAX_DESCRIPTION = 1500
MAX_FOOTER = 5000
_INVOICE_DATA_PARAMS = {
    "account_tax_ids",
    "custom_fields",
    "description",
    "footer",
    "issuer",
    "metadata",
    "rendering_options",
}
_PARAM = "invoice_creation"


def invoice_creation(value) -> dict:
    """The session's `invoice_creation` from the create request's parameter, checked as
    Stripe checks it (absent: not enabled)."""
    if value in (None, ""):
        value = {"enabled": "false"}
    if not isinstance(value, dict):
        raise invalid_param("Invalid object", param=_PARAM)
    unknown = set(value) - {"enabled", "invoice_data"}
    if unknown:
        name = f"{_PARAM}[{sorted(unknown)[0]}]"
        raise invalid_param(f"Received unknown parameter: {name}", param=name)
    enabled = value.get("enabled")
    if enabled not in ("true", "false", True, False):
        raise invalid_param(
            "Missing required param: invoice_creation[enabled].", param=f"{_PARAM}[enabled]"
        )
    data = value.get("invoice_data") or {}
    if not isinstance(data, dict):
        raise invalid_param("Invalid object", param=f"{_PARAM}[invoice_data]")
    prefix = f"{_PARAM}[invoice_data]"
    unknown = set(data) - _INVOICE_DATA_PARAMS
    if unknown:
        name = f"{prefix}[{sorted(unknown)[0]}]"
        raise invalid_param(f"Received unknown parameter: {name}", param=name)
    description = _text(data.get("description"), MAX_DESCRIPTION, f"{prefix}[description]")
    footer = _text(data.get("footer"), MAX_FOOTER, f"{prefix}[footer]")
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise invalid_param("Invalid metadata", param=f"{prefix}[metadata]")
    enabled = enabled in ("true", True)
    return {
        "enabled": enabled,
        "invoice_data": {
            "account_tax_ids": None,
            "custom_fields": _custom_fields(data.get("custom_fields"), f"{prefix}[custom_fields]"),
            "description": description,
            "footer": footer,
            "issuer": {"type": "self"} if enabled else None,
            "metadata": dict(metadata),
            "rendering_options": None,
        },
    }


def _text(value, limit, param):
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise invalid_param(f"{param} must be a string of at most {limit} characters.", param)
    return value


def _custom_fields(value, param):
    if value in (None, "", []):
        return None
    if not isinstance(value, list) or len(value) > MAX_CUSTOM_FIELDS:
        raise invalid_param(f"{param} must be an array of at most {MAX_CUSTOM_FIELDS}.", param)
    fields = []
    for index, field in enumerate(value):
        where = f"{param}[{index}]"
        if not isinstance(field, dict) or set(field) != {"name", "value"}:
            raise invalid_param(f"{where} needs a name and a value.", param=where)
        name = _text(field["name"], MAX_CUSTOM_FIELD_NAME, f"{where}[name]")
        text = _text(field["value"], MAX_CUSTOM_FIELD_VALUE, f"{where}[value]")
        if name is None or text is None:
            raise invalid_param(f"{where} needs a name and a value.", param=where)
        fields.append({"name": name, "value": text})
    return fields

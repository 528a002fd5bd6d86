"""Invoices that Checkout creates after payment, and the documents a customer opens.

A Checkout Session created with `invoice_creation[enabled]=true` (mode payment) gets a
post-payment invoice once it is paid, as at Stripe: `session.invoice` is null until then
and names the invoice (an id, or the object with `expand[]=invoice`) afterwards. The
invoice is made `draft` (no number, no hosted page, no PDF: `invoice.created`) and then
finalized, which for an invoice already paid means `paid` with its number
("ABCD1234-0001": the account's prefix and a sequence), `hosted_invoice_url`,
`invoice_pdf`, `amount_paid` and `status_transitions` (`invoice.finalized`,
`invoice.paid`, `invoice.payment_succeeded`). Stripe finalizes asynchronously: with
`invoice_finalization` "held" (control config) invoices stay draft until
`POST /_fakestripe/invoices/<id>/finalize`, so a test can see a session whose invoice has
no PDF yet. Read with `GET /v1/invoices/<id>` and `GET /v1/invoices` (status, created).

Every succeeded or pending charge has a `receipt_url`. The hosted invoice page, the PDF
and the receipt are simple HTML pages (fakestripe.invoice_pages) at unguessable addresses,
as Stripe's are; `invoice_creation` is checked by fakestripe.invoice_params.

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

import copy

from . import tax
from .errors import invalid_param, invalid_request, resource_missing
from .store import new_id

FINALIZATIONS = ("at_once", "held")


# ---- the invoice of a paid session ------------------------------------------------


def session_paid(api, session: dict):
    """A session's payment succeeded: its invoice is made, if it asked for one."""
    if not session["invoice_creation"]["enabled"] or session["invoice"]:
        return
    store = api.store
    now = store.now()
    data = session["invoice_creation"]["invoice_data"]
    invoice_id = new_id("in_")
    lines = [
        _line(invoice_id, item, now) for item in store.session_details[session["id"]].line_items
    ]
    subtotal = sum(line["amount"] for line in lines)
    discount = session["total_details"]["amount_discount"]
    # A discount (fakestripe.coupons) is the session's: one discount object, its amount.
    discount_ids = ["di_" + session["id"][8:32]] if session["discounts"] else []
    total = subtotal - discount
    invoice = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "fakestripe test account",
        "account_tax_ids": None,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": False,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": "manual",
        "collection_method": "charge_automatically",
        "created": now,
        "currency": session["currency"],
        "custom_fields": copy.deepcopy(data["custom_fields"]),
        "customer": None,
        "customer_account": None,
        "customer_address": None,
        "customer_email": (session["customer_details"] or {}).get("email"),
        "customer_name": None,
        "customer_phone": None,
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": data["description"],
        "discounts": discount_ids,
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": data["footer"],
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": dict(data["metadata"]),
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": None,
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": now,
        "period_start": now,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": {
            "amount_tax_display": None,
            "pdf": {"page_size": "auto"},
            "template": None,
            "template_version": None,
        },
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_details": None,
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal,
        "test_clock": None,
        "threshold_reason": None,
        "total": total,
        "total_discount_amounts": [
            {"amount": discount, "discount": discount_id} for discount_id in discount_ids
        ],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": None,
    }
    invoice.update(tax.invoice_fields(api, session))  # Stripe Tax's total and its customer
    store.invoices[invoice_id] = invoice
    session["invoice"] = invoice_id
    store.record_event("invoice.created", invoice)
    if store.invoice_finalization == "at_once":
        finalize(api, invoice_id)


def _line(invoice_id: str, item: dict, now: int) -> dict:
    amount = item["unit_amount"] * item["quantity"]
    return {
        "id": new_id("il_"),
        "object": "line_item",
        "amount": amount,
        "currency": item["currency"],
        "description": item["name"],
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": new_id("ii_"),
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
            "subscription_item_details": None,
        },
        "period": {"end": now, "start": now},
        "pretax_credit_amounts": [],
        "pricing": {
            "type": "price_details",
            "price_details": {"price": new_id("price_"), "product": new_id("prod_", 14)},
            "unit_amount_decimal": str(item["unit_amount"]),
        },
        "quantity": item["quantity"],
        "quantity_decimal": str(item["quantity"]),
        "subscription": None,
        "subtotal": amount,
        "taxes": [],
    }


def finalize(api, invoice_id: str) -> dict:
    """Finalize a draft invoice of a paid session: it is paid at once."""
    store = api.store
    invoice = retrieve(api, invoice_id, {})
    if invoice["status"] != "draft":
        raise invalid_request(
            f"This invoice is already finalized (status {invoice['status']}).",
            code="invoice_not_editable",
        )
    now = store.now()
    store.invoice_count += 1
    token = _token()
    store.documents[token] = ("invoice", invoice_id)
    invoice.update(
        status="paid",
        number=f"{store.invoice_prefix}-{store.invoice_count:04d}",
        hosted_invoice_url=f"{api.base_url}/i/{token}",
        invoice_pdf=f"{api.base_url}/i/{token}/pdf",
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        attempted=True,
        ending_balance=0,
        effective_at=now,
        webhooks_delivered_at=now,
    )
    invoice["status_transitions"].update(finalized_at=now, paid_at=now)
    store.record_event("invoice.finalized", invoice)
    store.record_event("invoice.paid", invoice)
    store.record_event("invoice.payment_succeeded", invoice)
    return invoice


def finalize_control(api, invoice_id: str, body: dict) -> dict:
    if body:
        raise invalid_request(f"unknown fields {sorted(body)}")
    return finalize(api, invoice_id)


def retrieve(api, invoice_id: str, params: dict) -> dict:
    if params.get("expand"):
        raise invalid_param(
            f"This property cannot be expanded ({params['expand']}).", param="expand"
        )
    invoice = api.store.invoices.get(invoice_id)
    if invoice is None:
        raise resource_missing("invoice", invoice_id, param="invoice")
    return invoice


def list_invoices(api, params: dict) -> dict:
    from .api import _created_matches, _paginate, _reject_unknown  # api imports this module

    _reject_unknown(params, {"status", "created", "limit", "starting_after", "expand"})
    invoices = [
        invoice
        for invoice in reversed(list(api.store.invoices.values()))
        if params.get("status") in (None, "", invoice["status"])
        and _created_matches(invoice["created"], params.get("created"))
    ]
    return _paginate(invoices, params, "/v1/invoices")


def receipt_url(api, charge_id: str) -> str:
    """A charge's receipt page (fakestripe.api makes it with the charge)."""
    token = _token()
    api.store.documents[token] = ("charge", charge_id)
    return f"{api.base_url}/receipts/payment/{token}"


def _token() -> str:
    return new_id("test_", 40)

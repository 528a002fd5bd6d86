"""The documents a customer opens, as simple HTML pages at unguessable addresses: the
hosted invoice (`/i/<token>`), its PDF (`/i/<token>/pdf`, an HTML stand-in so that a browser
test can open it) and a charge's receipt (`/receipts/payment/<token>`, showing what was
refunded). fakestripe.invoices hands out the addresses.

Callers must hold ``store.lock``.
"""

from html import escape

from .currencies import format_amount


def page(api, path: str) -> tuple[int, str, str]:
    """(status, title, body HTML) of a document page: the hosted invoice, its PDF stand-in
    or a charge's receipt."""
    parts = path.strip("/").split("/")
    if len(parts) in (2, 3) and parts[0] == "i" and parts[2:] in ([], ["pdf"]):
        kind, object_id = api.store.documents.get(parts[1], (None, None))
        if kind == "invoice":
            invoice = api.store.invoices[object_id]
            return 200, *_invoice_page(invoice, pdf=parts[2:] == ["pdf"])
    if len(parts) == 3 and parts[:2] == ["receipts", "payment"]:
        kind, object_id = api.store.documents.get(parts[2], (None, None))
        if kind == "charge":
            return 200, *_receipt_page(api.store.charges[object_id])
    return 404, "Not found", '\n  <p role="alert">This document does not exist.</p>'


def _invoice_page(invoice: dict, pdf: bool) -> tuple[str, str]:
    title = f"Invoice {invoice['number']}" + (" (PDF)" if pdf else "")
    rows = [
        ("Invoice number", invoice["number"]),
        ("Status", invoice["status"].capitalize()),
        ("Amount paid", format_amount(invoice["amount_paid"], invoice["currency"])),
        ("Billed to", invoice["customer_email"] or ""),
    ]
    rows += _tax_rows(invoice)
    rows += [(field["name"], field["value"]) for field in invoice["custom_fields"] or []]
    items = "".join(
        f"<li>{escape(line['description'])} — "
        f"{format_amount(line['amount'], line['currency'])}</li>"
        for line in invoice["lines"]["data"]
    )
    body = _rows(rows)
    if invoice["description"]:
        body += f'\n  <p class="description">{escape(invoice["description"])}</p>'
    body += f"\n  <ul>{items}</ul>"
    if invoice["footer"]:
        body += f'\n  <p class="footer">{escape(invoice["footer"])}</p>'
    if not pdf:
        body += f'\n  <p><a href="{escape(invoice["invoice_pdf"])}">Download invoice</a></p>'
    return title, body


def _tax_rows(invoice: dict) -> list[tuple[str, str]]:
    """Subtotal and the tax (fakestripe.tax), or the reverse charge, and the buyer's tax ID."""
    rows = [("Tax ID", f"{t['value']}") for t in invoice["customer_tax_ids"] or []]
    for tax in invoice["total_taxes"] or []:
        rows.insert(0, ("Subtotal", format_amount(invoice["subtotal"], invoice["currency"])))
        if tax["taxability_reason"] == "reverse_charge":
            rows.append(("VAT", "Reverse charge: the customer accounts for the VAT"))
        else:
            rows.append(("Tax", format_amount(tax["amount"], invoice["currency"])))
    return rows


def _receipt_page(charge: dict) -> tuple[str, str]:
    rows = [
        ("Amount paid", format_amount(charge["amount"], charge["currency"])),
        ("Status", charge["status"].capitalize()),
    ]
    if charge["amount_refunded"]:
        rows.append(("Refunded", format_amount(charge["amount_refunded"], charge["currency"])))
    return f"Receipt for {charge['id']}", _rows(rows)


def _rows(rows) -> str:
    cells = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows)
    return f"\n  <dl>{cells}</dl>"

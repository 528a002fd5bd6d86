"""Server-rendered HTML for the hosted Checkout page. No JavaScript."""

from html import escape

from .currencies import format_amount
from .tax_rates import COUNTRIES


def checkout_page(
    session: dict,
    line_items: list[dict],
    error_message: str | None = None,
    tax_view: dict | None = None,
    code_error: str | None = None,
) -> str:
    """The payment form for an open session, or a notice for a closed one. tax_view
    (fakestripe.tax.page): the tax lines, the billing country asked, a VAT number asked."""
    session_id = escape(session["id"])
    tax_view = tax_view or {"lines": [], "country": None, "tax_id": False, "pending": False}
    items = "\n".join(_line_item_html(item) for item in line_items)
    total = format_amount(session["amount_total"], session["currency"])
    summary = f"""
  <h2>Order summary</h2>
  <ul>{items}</ul>{_totals_html(session, tax_view)}
  <p>Total due: <strong class="amount-total">{total}</strong></p>"""

    if session["status"] == "complete":
        body = f"""
  <p role="status">This checkout session is already paid.</p>
  <p><a href="{escape(success_redirect_url(session))}">Continue</a></p>"""
    elif session["status"] == "expired":
        body = """
  <p role="status">This checkout session has expired. Please start again.</p>"""
    else:
        alert = ""
        if error_message:
            alert = f'\n  <p role="alert" class="error">{escape(error_message)}</p>'
        body = f"""{alert}{_promotion_code_form(session, code_error)}
  {_pay_form(session, tax_view) if session["amount_total"] else _free_form(session, tax_view)}
{delayed_forms(session, tax_view) if session["amount_total"] else ""}
  <p><a href="/checkout/{session_id}/cancel">Cancel</a></p>
  <p class="hint">Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined.</p>"""
    return _page("Checkout", summary + body)


def _pay_form(session: dict, tax_view: dict) -> str:
    session_id = escape(session["id"])
    return f"""<form method="post" action="/checkout/{session_id}/pay">{_billing_fields(tax_view)}
    <p>
      <label for="card_number">Card number</label>
      <input id="card_number" name="card_number" inputmode="numeric"
             autocomplete="cc-number" required>
    </p>
    <p>
      <label for="card_expiry">Expiry (MM / YY)</label>
      <input id="card_expiry" name="card_expiry" autocomplete="cc-exp">
    </p>
    <p>
      <label for="card_cvc">CVC</label>
      <input id="card_cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc">
    </p>
    <button type="submit">Pay</button>
  </form>"""


def _free_form(session: dict, tax_view: dict) -> str:
    """Nothing to pay (a promotion code took it all): no card is asked for."""
    return f"""<form method="post" action="/checkout/{escape(session["id"])}/pay">{
        _billing_fields(tax_view)
    }
    <p>Nothing to pay: no card is needed.</p>
    <button type="submit">Complete order</button>
  </form>"""


def _totals_html(session: dict, tax_view: dict) -> str:
    """Subtotal, the discount of a promotion code (fakestripe.coupons) and the tax ("VAT
    19 %", "Reverse charge": fakestripe.tax), before the total; nothing when neither."""
    discount = session["total_details"]["amount_discount"]
    if not (discount or tax_view["lines"] or tax_view["pending"]):
        return ""
    currency = session["currency"]
    rows = [
        f'<p>Subtotal: <span class="amount-subtotal">'
        f"{format_amount(session['amount_subtotal'], currency)}</span></p>"
    ]
    if discount:
        rows.append(
            f'<p>Discount: <span class="amount-discount">−{format_amount(discount, currency)}'
            "</span></p>"
        )
    for label, amount in tax_view["lines"]:
        rows.append(
            f'<p class="tax-line">{escape(label)}: '
            f'<span class="amount-tax">{format_amount(amount, currency)}</span></p>'
        )
    if tax_view["pending"]:
        rows.append('<p class="tax-line">Tax: calculated from your billing country</p>')
    return "\n  " + "\n  ".join(rows)


def _promotion_code_form(session: dict, code_error: str | None) -> str:
    """The "Add promotion code" field of a session created with allow_promotion_codes."""
    if not session["allow_promotion_codes"]:
        return ""
    error = ""
    described = ""
    if code_error:
        error = f'\n    <p id="code-error" role="alert" class="error">{escape(code_error)}</p>'
        described = ' aria-describedby="code-error" aria-invalid="true"'
    return f"""
  <form method="post" action="/checkout/{escape(session["id"])}/promotion_code">
    <p>
      <label for="promotion_code">Add promotion code</label>{error}
      <input id="promotion_code" name="code" autocomplete="off"{described}>
      <button type="submit">Apply</button>
    </p>
  </form>"""


DELAYED_LABELS = {
    "sepa_debit": "SEPA Direct Debit",
    "us_bank_account": "US bank account (ACH Direct Debit)",
    "bacs_debit": "Bacs Direct Debit",
    "boleto": "Boleto",
    "au_becs_debit": "BECS Direct Debit",
    "acss_debit": "Pre-authorized debit",
}


def delayed_forms(session: dict, tax_view: dict | None = None) -> str:
    """A form per delayed method the session offers (fakestripe.delayed): the debit starts
    and the session completes unpaid; a control settles it later."""
    session_id = escape(session["id"])
    forms = []
    for method in session.get("payment_method_types") or []:
        if method not in DELAYED_LABELS:
            continue
        label = escape(DELAYED_LABELS[method])
        forms.append(
            f"""  <form method="post" action="/checkout/{session_id}/pay" class="delayed-method">
    <input type="hidden" name="payment_method" value="{escape(method)}">{
                _billing_fields(tax_view, suffix="_" + method, purpose=f" for {label}")
            }
    <button type="submit" name="pay_{escape(method)}">Pay by {label}</button>
  </form>"""
        )
    if not forms:
        return ""
    return "  <h2>Or pay from a bank account</h2>\n" + "\n".join(forms)


def _billing_fields(tax_view: dict | None, suffix: str = "", purpose: str = "") -> str:
    """The billing country (preselected, as Stripe guesses it) and, when tax ID
    collection is on, an optional VAT number."""
    if not tax_view or not tax_view["country"]:
        return ""
    options = "".join(
        f'<option value="{code}"{" selected" if code == tax_view["country"] else ""}>'
        f"{escape(name)}</option>"
        for code, name in sorted(COUNTRIES.items(), key=lambda pair: pair[1])
    )
    fields = f"""
    <p>
      <label for="billing_country{suffix}">Billing country{purpose}</label>
      <select id="billing_country{suffix}" name="billing_country" required>{options}</select>
    </p>"""
    if tax_view["tax_id"]:
        fields += f"""
    <p>
      <label for="tax_id{suffix}">VAT number{purpose} (optional, for businesses)</label>
      <input id="tax_id{suffix}" name="tax_id" autocomplete="off">
    </p>"""
    return fields


def _line_item_html(item: dict) -> str:
    quantity = f" × {item['quantity']}" if item["quantity"] > 1 else ""
    amount = format_amount(item["unit_amount"] * item["quantity"], item["currency"])
    return f'<li><span class="product-name">{escape(item["name"])}</span>{quantity} — {amount}</li>'


def message_page(title: str, message: str) -> str:
    return _page(title, f'\n  <p role="alert">{escape(message)}</p>')


def document_page(title: str, body: str) -> str:
    """A hosted invoice, its PDF stand-in or a receipt (fakestripe.invoices)."""
    return _page(title, body)


def success_redirect_url(session: dict) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)} · fakestripe</title>
</head>
<body>
<main>
  <h1>{escape(title)}</h1>
  <p><em>fakestripe test mode — no real payment is made.</em></p>{body}
</main>
</body>
</html>
"""

"""fakestripe refuses, as Stripe does, a Checkout Session whose amount or currency Stripe
would not charge (fakestripe/currencies.py): a 400 invalid_request_error with Stripe's
code and the parameter at fault; and its hosted page shows each currency's minor units."""

import pytest
import stripe

from tests.fakestripe.test_hosted_checkout import fetch


def line_items(amount, currency):
    return [
        {
            "price_data": {
                "currency": currency,
                "unit_amount": amount,
                "product_data": {"name": "Job posting"},
            },
            "quantity": 1,
        }
    ]


def refusal(make_session, amount, currency):
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        make_session(line_items=line_items(amount, currency))
    error = excinfo.value
    assert error.http_status == 400
    assert error.json_body["error"]["type"] == "invalid_request_error"
    return error


@pytest.mark.parametrize(
    ("amount", "currency", "code", "message"),
    [
        (10, "usd", "amount_too_small", "must add up to at least 0.50 usd"),
        (49, "eur", "amount_too_small", "must add up to at least 0.50 eur"),
        (10, "jpy", "amount_too_small", "must add up to at least 50 jpy"),
        (0, "krw", "amount_too_small", "must add up to at least 1 krw"),
        (100_000_000, "usd", "amount_too_large", "must be no more than 999,999.99 usd"),
        (9995, "bhd", "invalid_charge_amount", "must be a multiple of 10"),
        (150, "isk", "invalid_charge_amount", "must be a multiple of 100"),
    ],
)
def test_an_amount_stripe_would_not_charge_is_refused(
    make_session, amount, currency, code, message
):
    error = refusal(make_session, amount, currency)
    assert error.code == code
    assert error.param == "line_items[0][price_data][unit_amount]"
    assert message in error.user_message


def test_a_total_over_the_maximum_is_refused_even_when_each_item_is_not(make_session):
    items = line_items(60_000_000, "usd") * 2
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        make_session(line_items=items)
    assert excinfo.value.code == "amount_too_large"


@pytest.mark.parametrize("currency", ["xyz", "eek", "hrk"])
def test_a_currency_stripe_does_not_support_is_refused(make_session, currency):
    error = refusal(make_session, 9900, currency)
    assert error.code is None  # Stripe names no code for it
    assert error.param == "line_items[0][price_data][currency]"
    assert error.user_message.startswith(f"Invalid currency: {currency}. Stripe currently supports")
    assert " usd, aed," in error.user_message


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(50, "usd"), (30, "gbp"), (50, "jpy"), (9990, "bhd"), (1, "krw"), (99_999_999, "usd")],
)
def test_amounts_at_the_limits_are_accepted(make_session, amount, currency):
    session = make_session(line_items=line_items(amount, currency))
    assert (session.amount_total, session.currency) == (amount, currency)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (9900, "jpy", "JPY 9,900"),
        (9900, "bhd", "BHD 9.900"),
        (9900, "krw", "KRW 9,900"),
        (123456, "usd", "USD 1,234.56"),
        (100000, "isk", "ISK 1,000"),
    ],
)
def test_the_hosted_page_shows_the_currencys_minor_units(make_session, amount, currency, shown):
    session = make_session(line_items=line_items(amount, currency))
    status, html = fetch(session.url)
    assert status == 200
    assert f'<strong class="amount-total">{shown}</strong>' in html

"""The app's system check and fakestripe (Stripe's part) refuse the same prices.

The app's rules live in wizard/postings/money.py; fakestripe keeps its own copy
(fakestripe/currencies.py), as Stripe keeps its own. Over a grid of currencies and
amounts, the check (`POSTING_PRICE_AMOUNT`/`POSTING_PRICE_CURRENCY`) refuses exactly the
prices for which the app's create request (wizard.payments.checkout._create_session, as
Pay sends it) is refused by fakestripe, with the same Stripe error code."""

import uuid
from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from wizard.payments.checkout import _create_session
from wizard.payments.checks import posting_price
from wizard.payments.models import PaymentAttempt
from wizard.postings.models import JobPosting
from wizard.postings.money import stripe_refusal

CURRENCIES = [
    "usd", "eur", "gbp", "huf", "mxn", "thb",  # in Stripe's minimum table
    "jpy", "krw", "vnd",  # zero-decimal (jpy also in the table)
    "bhd", "kwd", "jod", "omr", "tnd",  # three-decimal
    "isk",  # whole krónur sent with two decimals
    "cop", "ngn",  # two-decimal, outside the table
    "xyz", "eek", "hrk", "",  # not supported (any more)
]  # fmt: skip
AMOUNTS = [
    0, 1, 9, 10, 29, 30, 49, 50, 99, 100, 150, 200, 999, 1000, 1001, 9900, 9990, 9995,
    17_499, 17_500, 99_999_990, 99_999_999, 100_000_000,
]  # fmt: skip


def app_says(settings, amount, currency):
    settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY = amount, currency
    errors = posting_price(None)
    return stripe_refusal(amount, currency).code if errors else "accepted"


def fakestripe_says(number, amount, currency):
    posting = JobPosting(
        pk=uuid.UUID(int=number),
        title="Welder",
        company_name="Acme",
        contact_email="jobs@example.com",
    )
    attempt = PaymentAttempt(
        posting=posting,
        number=1,
        amount=amount,
        currency=currency,
        expires_at=timezone.now() + timedelta(hours=2),
    )
    try:
        _create_session(attempt, "http://app.test/done/", "http://app.test/back/")
    except stripe.InvalidRequestError as refused:
        assert refused.http_status == 400
        return refused.code
    return "accepted"


@pytest.mark.parametrize("currency", CURRENCIES)
def test_the_system_check_and_fakestripe_refuse_the_same_prices(fakestripe, settings, currency):
    app, emulator = {}, {}
    for number, amount in enumerate(AMOUNTS, start=1):
        app[amount] = app_says(settings, amount, currency)
        emulator[amount] = fakestripe_says(number, amount, currency)
    assert app == emulator
    # The grid is not one-sided: each supported currency has prices both refuse and take.
    if currency in ("usd", "jpy", "bhd", "isk", "cop"):
        assert "accepted" in app.values()
        assert set(app.values()) - {"accepted"}

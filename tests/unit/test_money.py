"""The one money formatter (wizard.postings.money) and the system check that refuses a
price Stripe would refuse (wizard.payments.checks)."""

import pytest
from django.core import checks

from wizard.payments.checks import posting_price
from wizard.postings.money import decimals, money, stripe_refusal


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (9900, "usd", "USD 99.00"),
        (9900, "jpy", "JPY 9,900"),  # zero-decimal: 9900 yen, not 99.00
        (9900, "bhd", "BHD 9.900"),  # three-decimal: 9.900 dinars, not 99.00
        (9900, "krw", "KRW 9,900"),
        (4900, "eur", "EUR 49.00"),
        (123456789, "eur", "EUR 1,234,567.89"),
        (1234567, "kwd", "KWD 1,234.567"),
        (50, "jpy", "JPY 50"),
        (5, "usd", "USD 0.05"),
        (100000, "isk", "ISK 1,000"),  # sent with two decimals, charged in whole krónur
        (9900, "XOF", "XOF 9,900"),  # the code is read in any case
        (9900, "xyz", "XYZ 99.00"),  # an unknown currency: two decimals
        (9900, "", "99.00"),
    ],
)
def test_money_shows_the_currencys_own_minor_units(amount, currency, shown):
    assert money(amount, currency) == shown


def test_minor_units_follow_stripes_lists():
    assert {c: decimals(c) for c in ["jpy", "krw", "vnd", "clp", "xpf"]} == dict.fromkeys(
        ["jpy", "krw", "vnd", "clp", "xpf"], 0
    )
    assert {c: decimals(c) for c in ["bhd", "jod", "kwd", "omr", "tnd"]} == dict.fromkeys(
        ["bhd", "jod", "kwd", "omr", "tnd"], 3
    )
    assert decimals("usd") == decimals("gbp") == decimals("huf") == 2


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (9900, "usd", None),
        (50, "usd", None),
        (49, "usd", "amount_too_small"),
        (10, "usd", "amount_too_small"),  # USD 0.10
        (49, "eur", "amount_too_small"),
        (29, "gbp", "amount_too_small"),
        (30, "gbp", None),
        (10, "jpy", "amount_too_small"),
        (50, "jpy", None),
        (17499, "huf", "amount_too_small"),
        (0, "krw", "amount_too_small"),  # outside Stripe's table: a positive amount
        (1, "krw", None),
        (99_999_999, "usd", None),
        (100_000_000, "usd", "amount_too_large"),
        (100_000_000, "jpy", "amount_too_large"),
        (9995, "bhd", "invalid_charge_amount"),  # three decimals: a multiple of 10
        (9990, "bhd", None),
        (1001, "kwd", "invalid_charge_amount"),
        (150, "isk", "invalid_charge_amount"),  # whole krónur: a multiple of 100
        (200, "isk", None),
    ],
)
def test_stripe_refusal_names_stripes_code(amount, currency, code):
    refusal = stripe_refusal(amount, currency)
    assert (refusal and refusal.code) == code
    if code:
        assert refusal.param == "amount"


@pytest.mark.parametrize("currency", ["xyz", "us", "eek", "hrk"])
def test_a_currency_stripe_does_not_support_is_refused(currency):
    refusal = stripe_refusal(9900, currency)
    assert (refusal.code, refusal.param) == (None, "currency")


def test_no_currency_is_refused_as_a_missing_parameter():
    refusal = stripe_refusal(9900, "")
    assert (refusal.code, refusal.param) == ("parameter_missing", "currency")


def errors(settings, amount, currency):
    settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY = amount, currency
    return posting_price(None)


def test_the_check_accepts_prices_stripe_takes(settings):
    for amount, currency in [(9900, "usd"), (9900, "jpy"), (9900, "bhd"), (4900, "eur")]:
        assert errors(settings, amount, currency) == []


@pytest.mark.parametrize(
    ("amount", "currency", "said", "example"),
    [
        (10, "usd", "USD 0.10 is under Stripe's minimum charge of USD 0.50", "=9900 "),
        (10, "jpy", "JPY 10 is under Stripe's minimum charge of JPY 50", "is JPY 99"),
        (100, "huf", "under Stripe's minimum charge of HUF 175.00", "is HUF 990.00"),
        (100_000_000, "usd", "over Stripe's maximum charge of USD 999,999.99", "is USD 99.00"),
        (9995, "bhd", "BHD 9.995 is not a multiple of BHD 0.010", "is BHD 99.000"),
    ],
)
def test_the_check_refuses_an_amount_stripe_would_refuse(settings, amount, currency, said, example):
    [error] = errors(settings, amount, currency)
    assert isinstance(error, checks.Error)  # an Error: `check` and so every start fail
    assert error.id == "jobwizard.E030"
    assert error.msg.startswith("POSTING_PRICE_AMOUNT: Stripe would refuse the price")
    assert said in error.msg
    assert "minor units" in error.hint
    assert example in error.hint


def test_the_check_refuses_a_currency_stripe_does_not_support(settings):
    [error] = errors(settings, 9900, "xyz")
    assert isinstance(error, checks.Error)
    assert error.msg.startswith("POSTING_PRICE_CURRENCY: Stripe would refuse")
    assert "'xyz' is not a currency Stripe supports" in error.msg
    assert "POSTING_PRICE_AMOUNT=9900 with POSTING_PRICE_CURRENCY=usd" in error.hint


def test_the_check_is_registered_and_run_by_manage_py_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY = 10, "jpy"
    with pytest.raises(SystemCheckError, match="jobwizard.E030"):
        call_command("check", tag=["jobwizard"])
    settings.POSTING_PRICE_AMOUNT = 9900
    call_command("check", tag=["jobwizard"])  # fixed: passes


@pytest.mark.django_db  # the fingerprint covers the price, and so the plans offered
@pytest.mark.parametrize(("amount", "currency"), [(9900, "usd"), (9900, "jpy"), (9990, "bhd")])
def test_the_content_fingerprint_is_the_one_the_previous_release_computed(
    settings, amount, currency
):
    """An attempt reserved before this release keeps matching its posting: the fingerprint
    covers the price as the previous release wrote it ("JPY 99.00" for 9900 yen), not as
    it is shown now; otherwise paying it would be refunded as content changed."""
    import hashlib

    from wizard.postings.models import JobPosting

    settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY = amount, currency
    posting = JobPosting(title="Welder", company_name="Acme")
    values = [
        posting._meta.get_field(field).value_to_string(posting)
        for field in JobPosting.REVIEWED_FIELDS
    ]
    before = f"{currency.upper()} {amount / 100:,.2f}"  # the previous release's money()
    digest = hashlib.sha256("\x1f".join([*values, before]).encode()).hexdigest()[:24]
    assert posting.content_digest == digest
    settings.POSTING_PRICE_AMOUNT = amount + 10
    assert posting.content_digest != digest  # another price is other content

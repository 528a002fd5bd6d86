"""`manage.py check` (and so every start): refuse a price Stripe would refuse. A mistyped
POSTING_PRICE_AMOUNT or POSTING_PRICE_CURRENCY would otherwise be found by the first
employer to press Pay, and block every sale until it is fixed."""

from django.conf import settings
from django.core import checks

from wizard.postings.money import MAXIMUM, SUPPORTED, decimals, money, stripe_refusal

EXAMPLES = "POSTING_PRICE_AMOUNT=9900 with POSTING_PRICE_CURRENCY=usd is USD 99.00"


def _example(currency):
    """A valid price in the operator's currency when Stripe supports it, else in USD:
    99 whole units in its own minor units, or more when its minimum asks for more."""
    code = (currency or "").lower()
    if code not in SUPPORTED:
        return EXAMPLES
    amount = 99 * 10 ** decimals(code)
    while stripe_refusal(amount, code) is not None and amount < MAXIMUM:
        amount *= 10
    return (
        f"POSTING_PRICE_AMOUNT={amount} with POSTING_PRICE_CURRENCY={code} is {money(amount, code)}"
    )


@checks.register("jobwizard")
def posting_price(app_configs, **kwargs):
    amount, currency = settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY
    refusal = stripe_refusal(amount, currency)
    if refusal is None:
        return []
    if refusal.param == "currency":
        setting = "POSTING_PRICE_CURRENCY"
        hint = (
            "Set POSTING_PRICE_CURRENCY to a three-letter ISO code Stripe supports "
            f"(docs.stripe.com/currencies), e.g. {EXAMPLES}."
        )
    else:
        setting = "POSTING_PRICE_AMOUNT"
        hint = (
            "Set POSTING_PRICE_AMOUNT in the currency's minor units "
            f"({decimals(currency)} decimals for {currency.upper()}), e.g. {_example(currency)}."
        )
    return [
        checks.Error(
            f"{setting}: Stripe would refuse the price {amount!r} {currency!r} "
            f"({refusal.reason}), so no employer could pay.",
            hint=hint,
            id="jobwizard.E030",
        )
    ]

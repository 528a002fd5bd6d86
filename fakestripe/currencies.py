"""Stripe's rules for the amount and currency of a charge, as fakestripe applies them to a
Checkout Session (docs.stripe.com/currencies). fakestripe plays Stripe and keeps its own
copy of the tables: it never imports the app. tests/test_currency_agreement.py checks
that the app's system check refuses exactly what this refuses.

- zero-decimal currencies have no minor unit; three-decimal ones take only multiples of
  10; ISK is sent with two decimals but charged in whole krónur (multiples of 100);
- the minimum charge for the currencies in Stripe's table (the settlement currencies);
  other currencies must convert to at least USD 0.50 at the day's rate, which fakestripe
  does not emulate: it asks them for a positive amount only;
- at most 99,999,999 minor units (eight digits).
"""

from .errors import invalid_param

ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())
STEP = {**dict.fromkeys(THREE_DECIMAL, 10), "isk": 100}
SUPPORTED = (
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd "
    "bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp "
    "gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw "
    "kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad "
    "ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek "
    "sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst "
    "xaf xcd xcg xof xpf yer zar zmw"
).split()
# Minor units; Stripe's table shows them as major amounts ($0.50, ¥50, HUF 175.00, ...).
MINIMUM_CHARGE = {
    "usd": 50,
    "aed": 200,
    "aud": 50,
    "bgn": 100,
    "brl": 50,
    "cad": 50,
    "chf": 50,
    "czk": 1500,
    "dkk": 250,
    "eur": 50,
    "gbp": 30,
    "hkd": 400,
    "huf": 17500,
    "inr": 50,
    "jpy": 50,
    "mxn": 1000,
    "myr": 200,
    "nok": 300,
    "nzd": 50,
    "pln": 200,
    "ron": 200,
    "sek": 300,
    "sgd": 50,
    "thb": 1000,
}
MAXIMUM_CHARGE = 99_999_999


def exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def format_amount(amount: int, currency: str) -> str:
    """9900 usd -> "USD 99.00", 9900 jpy -> "JPY 9,900", 9900 bhd -> "BHD 9.900"."""
    places = exponent(currency)
    if currency.lower() == "isk" and amount % 100 == 0:
        return f"ISK {amount // 100:,}"
    whole, fraction = divmod(amount, 10**places)
    shown = f"{whole:,}" + (f".{fraction:0{places}d}" if places else "")
    return f"{currency.upper()} {shown}"


def _stripe_amount(amount: int, currency: str) -> str:
    """As Stripe's messages put it: "$0.50 usd", "¥50 jpy" are its; we say "0.50 usd"."""
    return f"{format_amount(amount, currency).split(' ', 1)[1]} {currency.lower()}"


def check_currency(currency: str, param: str):
    """Refuse a currency Stripe does not support, as Stripe does (no error code)."""
    if currency.lower() not in SUPPORTED:
        raise invalid_param(
            f"Invalid currency: {currency}. Stripe currently supports these currencies: "
            + ", ".join(SUPPORTED),
            param=param,
        )


def check_total(amount: int, currency: str, param: str):
    """Refuse a Checkout Session total Stripe would not charge."""
    currency = currency.lower()
    least = MINIMUM_CHARGE.get(currency, 1)
    if amount < least:
        raise invalid_param(
            "The Checkout Session's total amount due must add up to at least "
            f"{_stripe_amount(least, currency)}",
            param=param,
            code="amount_too_small",
        )
    if amount > MAXIMUM_CHARGE:
        raise invalid_param(
            "The Checkout Session's total amount due must be no more than "
            f"{_stripe_amount(MAXIMUM_CHARGE, currency)}",
            param=param,
            code="amount_too_large",
        )
    step = STEP.get(currency, 1)
    if amount % step:
        raise invalid_param(
            f"Amounts in {currency} must be a multiple of {step} (the last digit must be 0 "
            f"for three-decimal currencies): {amount} is not.",
            param=param,
            code="invalid_charge_amount",
        )

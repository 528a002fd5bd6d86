"""Amounts of money as shown on every page, email, admin screen, dashboard and export, and
the currency rules Stripe applies to a charge. This module is the one place that knows a
currency's minor units: every amount is an integer in them, as Stripe has it.

Stripe's rules (docs.stripe.com/currencies, "Zero-decimal currencies", "Three-decimal
currencies", "Special cases", "Minimum and maximum charge amounts"):
- most currencies have two decimals: 9900 USD is USD 99.00;
- zero-decimal currencies have none: 9900 JPY is JPY 9,900;
- three-decimal currencies have three, and Stripe takes only amounts whose last digit is
  0 (its payment partners settle in tens): 9900 BHD is BHD 9.900, 9995 BHD is refused;
- ISK is charged in whole krónur but still sent with two decimals: a multiple of 100;
- a charge is at least the minimum of Stripe's table for the currencies it lists (the
  settlement currencies) and at most 99,999,999 minor units (eight digits). A currency
  outside that table must convert to at least USD 0.50 at the day's rate, which no table
  can know: only a positive amount is required of it here.
"""

from dataclasses import dataclass
from decimal import Decimal

ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())
# Sent with two decimals, charged in whole units: the amount must be a multiple of 100.
WHOLE_UNITS_WITH_TWO_DECIMALS = frozenset({"isk"})

# The presentment currencies Stripe supports (lowercase, as the API takes them).
SUPPORTED = frozenset(
    """
    usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd
    bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp
    gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw
    kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad
    ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek
    sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst
    xaf xcd xcg xof xpf yer zar zmw
    """.split()
)

# Stripe's minimum charge amounts, in minor units, for the currencies its table lists.
MINIMUM = {
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
MAXIMUM = 99_999_999  # minor units: eight digits, whatever the currency


def decimals(currency):
    """How many digits of an amount in the currency's minor units are after the point."""
    code = (currency or "").lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def step(currency):
    """The amounts Stripe takes are multiples of this many minor units."""
    code = (currency or "").lower()
    if code in THREE_DECIMAL:
        return 10
    if code in WHOLE_UNITS_WITH_TWO_DECIMALS:
        return 100
    return 1


def money(amount, currency):
    """An amount in the currency's minor units, as people read it: the currency's code,
    then the amount with its own number of decimals and thousands separated by commas.
    9900 usd -> "USD 99.00"; 9900 jpy -> "JPY 9,900"; 9900 bhd -> "BHD 9.900";
    100000 isk -> "ISK 1,000". An unknown currency is shown with two decimals."""
    code = (currency or "").upper()
    places = decimals(currency)
    major = Decimal(int(amount)).scaleb(-places)
    shown = places
    if code.lower() in WHOLE_UNITS_WITH_TWO_DECIMALS and amount % 100 == 0:
        shown = 0
    return f"{code} {major:,.{shown}f}".strip()


def price_identity(amount, currency):
    """The price as the content fingerprint (JobPosting.content_digest) covers it: one
    string per (amount, currency), unchanged by how prices are shown. It keeps the text
    the fingerprint was first computed with ("USD 99.00", and "JPY 99.00" for 9900 yen),
    so that an attempt reserved or opened before a change to `money` still matches the
    posting it paid for (a mismatch would refund the payment)."""
    return f"{(currency or '').upper()} {amount / 100:,.2f}"


@dataclass(frozen=True)
class Refusal:
    """Why Stripe would refuse to charge an amount: the error code Stripe answers with
    (None for an unsupported currency, as Stripe names none; parameter_missing for no
    currency), the parameter at fault ("currency" or "amount"), and the reason in words."""

    code: str | None
    param: str
    reason: str


def stripe_refusal(amount, currency):
    """The reason Stripe would refuse a charge of `amount` minor units of `currency`, or
    None when it would take it."""
    code = (currency or "").lower()
    if not code:
        return Refusal("parameter_missing", "currency", "the currency is empty")
    if code not in SUPPORTED:
        return Refusal(None, "currency", f"{currency!r} is not a currency Stripe supports")
    if isinstance(amount, bool) or not isinstance(amount, int):
        return Refusal(
            "parameter_invalid_integer",
            "amount",
            f"{amount!r} is not a whole number of minor units",
        )
    least = MINIMUM.get(code, 1)
    if amount < least:
        return Refusal(
            "amount_too_small",
            "amount",
            f"{money(amount, code)} is under Stripe's minimum charge of {money(least, code)}",
        )
    if amount > MAXIMUM:
        return Refusal(
            "amount_too_large",
            "amount",
            f"{money(amount, code)} is over Stripe's maximum charge of {money(MAXIMUM, code)}",
        )
    if amount % step(code):
        return Refusal(
            "invalid_charge_amount",
            "amount",
            f"{money(amount, code)} is not a multiple of {money(step(code), code)}: Stripe "
            f"takes {code.upper()} amounts in steps of {step(code)} minor units",
        )
    return None


def minor_units(major, currency):
    """An amount as people type it (a Decimal in the currency's units: 49.00 EUR, 4900
    JPY, 9.900 KWD) in the currency's minor units, or None when it has more decimals than
    the currency (49.001 EUR)."""
    scaled = Decimal(major).scaleb(decimals(currency))
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def major_units(amount, currency):
    """The amount in minor units as a Decimal in the currency's units, for a form's field."""
    return Decimal(int(amount)).scaleb(-decimals(currency))

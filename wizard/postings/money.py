"""Amounts of money as shown on every page, email and admin screen."""


def money(amount, currency):
    """An amount in the currency's minor units, as Stripe has it: "USD 99.00"."""
    return f"{currency.upper()} {amount / 100:,.2f}"

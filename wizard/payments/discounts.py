"""Promotion codes: Stripe's, entered on Checkout's page (issue 21, being built)."""


def checkout_params(posting, attempt):
    """What a Checkout Session is created with for promotion codes."""
    return {}


def record(attempt, session):
    """Record on the attempt, as it is paid, what its session says of this (not saved)."""

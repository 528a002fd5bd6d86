"""Tax through Stripe Tax, and the customer's tax ID (issue 21, being built)."""


def checkout_params(posting, attempt):
    """What a Checkout Session is created with for tax."""
    return {}


def record(attempt, session):
    """Record on the attempt, as it is paid, what its session says of this (not saved)."""

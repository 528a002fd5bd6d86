"""What a paid attempt cost, as Stripe charged it."""

from wizard.payments import discounts, tax


def record_amounts(attempt, session):
    """What Stripe charged for the attempt, as its session reports it: the total, the
    discount of a promotion code and the tax (amount = price - discount + tax)."""
    details = session.total_details
    attempt.amount = session.amount_total
    attempt.discount = (details.amount_discount if details else 0) or 0
    attempt.tax = (details.amount_tax if details else 0) or 0
    discounts.record(attempt, session)
    tax.record(attempt, session)

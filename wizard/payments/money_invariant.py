"""The money invariant: every paid attempt's amount (what Stripe charged) is its list price
less its discount (a promotion code) plus its tax. The reconciler reports each attempt
that breaks it (wizard.payments.reconcile, Kind.AMOUNT_NOT_ADDING_UP), so /metrics and
staff see it; nothing is repaired, since which side is wrong needs a person."""

from django.db.models import F

from wizard.payments.models import PaymentAttempt


def broken(since):
    """Paid attempts since `since` whose amount is not price - discount + tax, oldest
    first (attempts from before plans have no list price and are not checked)."""
    return (
        PaymentAttempt.objects.filter(
            state=PaymentAttempt.State.PAID, paid_at__gte=since, price__isnull=False
        )
        .exclude(amount=F("price") - F("discount") + F("tax"))
        .order_by("paid_at", "pk")
    )


def what(attempt):
    return (
        f"amount {attempt.amount} != price {attempt.price} - discount {attempt.discount}"
        f" + tax {attempt.tax}"
    )

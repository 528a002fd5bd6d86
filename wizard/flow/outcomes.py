"""What an employer is told when the page Stripe sends them back to finds the payment not
settled: the first payment's return (wizard.flow.views) and a renewal's
(wizard.account.renewal) say the same."""

from django.contrib import messages

from wizard.payments.fulfilment import FulfilOutcome


def tell_unsettled(request, outcome):
    """Add the message for an unsettled `outcome`; False when the payment is not this
    posting's at all (each page answers that its own way)."""
    if outcome is FulfilOutcome.PROCESSING:
        return True  # a delayed method: the page says the payment is processing
    if outcome is FulfilOutcome.NOT_PAID:
        messages.warning(request, "We have not received your payment yet.")
        return True
    if outcome.refund_reason:
        messages.error(
            request, "We could not use that payment for this posting, so we are refunding it."
        )
        return True
    return False

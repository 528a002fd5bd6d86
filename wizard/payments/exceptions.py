"""Typed payment failures, each mapped to one outcome for the employer."""


class PaymentError(Exception):
    """Base class. `message` is safe to show to the employer."""

    message = "Something went wrong with the payment. Please try again."


class PaymentProviderUnavailable(PaymentError):
    message = (
        "The payment provider is unavailable right now. You have not been charged; "
        "please try again in a moment."
    )


class ProviderFailedRequest(PaymentProviderUnavailable):
    """Stripe began the request and failed (a 5xx): it saves that answer for the request's
    idempotency key and replays it for 24 hours, so a retry needs a new key."""


class CheckoutConflict(PaymentError):
    message = "This posting changed while you were paying. Please review it and try again."


class ContentChanged(PaymentError):
    message = (
        "This posting changed since you reviewed it (in another tab, perhaps). Please "
        "check it below, then press Pay again."
    )


class NotReadyForPayment(PaymentError):
    message = "Please complete the posting's details before paying."


class AlreadyPaid(PaymentError):
    message = "This posting is already paid."

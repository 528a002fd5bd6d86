"""Typed payment failures, each mapped to one outcome for the employer."""


class PaymentError(Exception):
    """Base class. `message` is safe to show to the employer."""

    message = "Something went wrong with the payment. Please try again."
    status = 503  # of the payment page that shows `message`


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


class PlanNotOffered(PaymentError):
    """The plan chosen was retired, or is no longer sold in the currency chosen."""

    message = "The plan you chose is no longer offered. Please choose a plan again."
    status = 409


class AlreadyPaid(PaymentError):
    message = "This posting is already paid."


class PaymentProcessing(PaymentError):
    """A delayed method's payment is on its way: no new checkout (it would charge twice)."""

    message = (
        "Your payment is being processed. We will tell you as soon as it arrives; "
        "there is nothing to pay now."
    )
    status = 409


class ProviderRejectedKey(PaymentProviderUnavailable):
    """Stripe refused our API key (401): the operator's to fix, not the employer's. Still
    "unavailable" to background work, which retries until the key is fixed."""


class PaymentRefused(PaymentError):
    """Stripe refused the request to open a checkout (a 4xx, or an error the SDK could not
    place). Stripe replays a refusal for the request's idempotency key, so the attempt's
    reservation is closed and the next press of Pay starts a new attempt; nothing was
    charged. `status` is the HTTP status of the page the employer gets."""

    message = (
        "The payment provider refused to start this payment. You have not been charged; "
        "please check the details and try again."
    )
    status = 400

    def __init__(self, detail="", *, request_id=None, code=None):
        super().__init__(detail)
        self.request_id = request_id
        self.code = code


class CheckoutMisconfigured(PaymentRefused):
    """The operator's fault (a price or currency Stripe refuses, a rejected or restricted
    API key, an unexpected error): the employer cannot fix it, staff are told (ERROR)."""

    message = "We could not start the payment; our staff have been told. You have not been charged."
    status = 503


class ContactEmailRefused(PaymentRefused):
    """Stripe refused the posting's contact email as the checkout's customer_email."""

    message = (
        "The payment provider did not accept the contact email address of this posting. "
        "You have not been charged; please correct it in the job's details, then press "
        "Pay again."
    )
    status = 422


class PaymentDeclined(PaymentRefused):
    """A card error on opening the checkout (not expected from Checkout, but possible)."""

    message = (
        "The payment provider declined this payment. You have not been charged; please "
        "try again or use another payment method."
    )
    status = 402

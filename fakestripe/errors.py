"""Stripe-shaped API errors: {"error": {"type", "message", "code"?, "param"?, ...}}.

Like Stripe, ``code``, ``param``, ``decline_code`` and ``doc_url`` are only present when they
have a value.
"""

DOC_URL = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An API error. ``validation`` marks a request refused while checking its parameters:
    no endpoint began executing, so (like Stripe) nothing is saved for idempotent replay."""

    def __init__(
        self,
        status,
        message,
        *,
        type="invalid_request_error",
        code=None,
        param=None,
        decline_code=None,
        validation=False,
        extra=None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.validation = validation
        self.extra = extra or {}

    def to_json(self) -> dict:
        return error_body(
            self.type,
            self.message,
            code=self.code,
            param=self.param,
            decline_code=self.decline_code,
            **self.extra,
        )


def error_body(type, message, **optional) -> dict:
    """Stripe's error envelope; optional fields that are None are left out."""
    error = {"type": type, "message": message}
    error.update({name: value for name, value in optional.items() if value is not None})
    if error.get("code"):
        error.setdefault("doc_url", DOC_URL + error["code"])
    return {"error": error}


def should_retry(status: int, replayable: bool) -> str | None:
    """The Stripe-Should-Retry header for an error status, or None for no header.

    409 (a conflicting request in progress) is worth retrying; a 500 only when nothing was
    saved for its idempotency key (otherwise a retry just replays it, and Stripe says
    false); 429 rate limits are not retried by the SDKs (Stripe says false); other 4xx are
    refusals that a retry cannot change.
    """
    if status < 400:
        return None
    if status == 409:
        return "true"
    if status >= 500:
        return "false" if replayable else "true"
    return "false"


def invalid_request(message, param=None, code=None):
    """A refusal found while executing (e.g. the object's state): saved for replay."""
    return StripeError(400, message, param=param, code=code)


def invalid_param(message, param=None, code=None):
    """A refusal found while checking the parameters: not saved for replay."""
    return StripeError(400, message, param=param, code=code, validation=True)


def missing_param(param):
    return invalid_param(f"Missing required param: {param}.", param=param, code="parameter_missing")


def resource_missing(kind, object_id, param="id"):
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)

"""Stripe-shaped API errors: {"error": {"type", "code", "message", "param"}}."""


class StripeError(Exception):
    def __init__(
        self,
        status,
        message,
        *,
        type="invalid_request_error",
        code=None,
        param=None,
        decline_code=None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code

    def to_json(self) -> dict:
        error = {"type": self.type, "code": self.code, "message": self.message, "param": self.param}
        if self.decline_code:
            error["decline_code"] = self.decline_code
        return {"error": error}


def invalid_request(message, param=None, code=None):
    return StripeError(400, message, param=param, code=code)


def missing_param(param):
    return invalid_request(
        f"Missing required param: {param}.", param=param, code="parameter_missing"
    )


def resource_missing(kind, object_id, param="id"):
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)

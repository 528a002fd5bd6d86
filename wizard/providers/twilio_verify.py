"""Phone verification through Twilio Verify v2: send a code by SMS, then check it.

Twilio keeps the code and its limits (5 sends to a number per 10 minutes, 5 wrong checks
per code); these functions map its refusals to exceptions the caller can explain.
"""

from django.conf import settings

from . import _http
from .errors import ProviderRefused, ProviderUnavailable

LABEL = "Twilio Verify"


class PhoneNumberInvalid(ProviderRefused):
    """Twilio 60200: the number is not a valid E.164 phone number."""


class TooManyCodes(ProviderRefused):
    """Twilio 60203: too many codes sent to this number lately; wait before asking again."""


class NoPendingCode(ProviderRefused):
    """Twilio 60202 or 20404: no code is waiting to be checked (expired, approved, or
    canceled after too many wrong tries): ask for a new code."""


def start(phone_number: str) -> str:
    """Send a code by SMS to phone_number (E.164); returns the verification's sid."""
    response = _post("Verifications", {"To": phone_number, "Channel": "sms"})
    _raise_for_error(response, {60200: PhoneNumberInvalid, 60203: TooManyCodes})
    sid = _http.json_body(response, LABEL).get("sid")
    if not sid:
        raise ProviderUnavailable(f"{LABEL}: answer without a sid", response.status_code)
    return sid


def check(phone_number: str, code: str) -> bool:
    """Whether code is the one sent to phone_number (True approves the verification)."""
    response = _post("VerificationCheck", {"To": phone_number, "Code": code})
    _raise_for_error(
        response,
        {60200: PhoneNumberInvalid, 60202: NoPendingCode, 20404: NoPendingCode},
    )
    return _http.json_body(response, LABEL).get("status") == "approved"


def _post(resource: str, data: dict):
    url = (
        f"{settings.TWILIO_API_BASE.rstrip('/')}/v2/Services/"
        f"{settings.TWILIO_VERIFY_SERVICE_SID}/{resource}"
    )
    auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    return _http.send("POST", url, LABEL, data=data, auth=auth)


def _raise_for_error(response, known: dict):
    if response.status_code < 300:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    detail = f"{LABEL} error {code}: {message}" if code else ""
    if code in known:
        raise known[code](detail, response.status_code)
    _http.raise_for_status(response, LABEL, detail.removeprefix(f"{LABEL} "))

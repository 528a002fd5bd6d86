"""The EU's VIES REST API: is a member state's VAT number registered?

POST {VIES_URL}/check-vat-number  {"countryCode": "DE", "vatNumber": "136695976"}
  -> 200 {"countryCode", "vatNumber", "requestDate", "valid", "requestIdentifier", "name",
          "address", …}: `valid` false means not registered ("---" for name and address);
  -> a refusal, with HTTP 200 or 4xx/5xx: {"actionSucceed": false, "errorWrappers":
          [{"error": "MS_UNAVAILABLE", "message": …}]}; older answers put the code in
          `userError` beside `valid: false`.
INVALID_INPUT (the number is malformed) is Invalid; every other code is transient: the
member state's service is down (MS_UNAVAILABLE, TIMEOUT), VIES itself is
(SERVICE_UNAVAILABLE), or too many requests are in flight (MS_MAX_CONCURRENT_REQ,
GLOBAL_MAX_CONCURRENT_REQ: a quota, waited out for QUOTA_WAIT).
"""

from datetime import timedelta

from django.conf import settings

from . import _http
from .errors import ProviderError
from .vat_numbers import Invalid, Unavailable, Valid

LABEL = "VIES"
INVALID_INPUT = "INVALID_INPUT"
QUOTA_CODES = {"MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ"}
QUOTA_WAIT = timedelta(minutes=1)
# VIES's codes for "nothing to say": not a name or an address.
BLANK = {"", "---"}


def check(country_code, vat_number):
    url = settings.VIES_URL.rstrip("/") + "/check-vat-number"
    body = {"countryCode": country_code, "vatNumber": vat_number}
    try:
        response = _http.send("POST", url, LABEL, json=body)
    except ProviderError:
        return Unavailable("no answer")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return Unavailable(f"HTTP {response.status_code}")
    return result(answer, response.status_code)


def result(answer, status=200):
    """The result a VIES answer (a dict) gives."""
    code = error_code(answer)
    if code == INVALID_INPUT:
        return Invalid("VIES says the number is malformed (INVALID_INPUT)")
    if code:
        return Unavailable(code, QUOTA_WAIT if code in QUOTA_CODES else None)
    if status >= 300 or not isinstance(answer.get("valid"), bool):
        return Unavailable(f"HTTP {status}")
    if not answer["valid"]:
        return Invalid("VIES says it is not a registered VAT number")
    return Valid(
        name=_text(answer.get("name")),
        address=_text(answer.get("address")),
        consultation=_text(answer.get("requestIdentifier")),
    )


def error_code(answer):
    wrappers = answer.get("errorWrappers")
    if isinstance(wrappers, list) and wrappers and isinstance(wrappers[0], dict):
        return str(wrappers[0].get("error") or "SERVICE_UNAVAILABLE")
    if answer.get("actionSucceed") is False:
        return "SERVICE_UNAVAILABLE"
    user_error = answer.get("userError")
    if isinstance(user_error, str) and user_error not in ("", "VALID", "INVALID"):
        return user_error
    return ""


def _text(value):
    value = (value or "").strip() if isinstance(value, str) else ""
    return "" if value in BLANK else value

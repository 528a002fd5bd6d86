"""HMRC's "Check a UK VAT number" API (version 2): is a UK VAT registration number (VRN)
registered, and to whom?

GET {HMRC_VAT_URL}/organisations/vat/check-vat-number/lookup/{vrn}
    Accept: application/vnd.hmrc.2.0+json, Authorization: Bearer <application token>
  -> 200 {"target": {"name", "vatNumber", "address": {"line1"…, "postcode",
          "countryCode"}}, "processingDate"}
  -> 404 {"code": "NOT_FOUND"}: not registered; 400 (a malformed VRN): Invalid too;
  -> 429 and 5xx: Unavailable (a 429's Retry-After kept).
The application-restricted token comes from POST {HMRC_VAT_URL}/oauth/token
(client_credentials with HMRC_CLIENT_ID/SECRET) and is cached until shortly before it
expires; a 401 forgets it and asks once more.
"""

from django.conf import settings
from django.core.cache import cache

from wizard.jobs.kinds import retry_after

from . import _http
from .errors import ProviderError
from .vat_numbers import Invalid, Unavailable, Valid

LABEL = "HMRC"
ACCEPT = "application/vnd.hmrc.2.0+json"
TOKEN_CACHE_KEY = "hmrc-vat-token"
# A token is forgotten this long before HMRC says it expires (4 hours, as HMRC gives).
TOKEN_MARGIN_SECONDS = 60


def lookup(vrn):
    try:
        response = _lookup(vrn, _token())
        if response.status_code == 401:
            cache.delete(TOKEN_CACHE_KEY)
            response = _lookup(vrn, _token())
    except ProviderError as error:
        return Unavailable(f"{LABEL}: {error.detail}"[:100], retry_after(error.headers))
    return result(response.status_code, _json(response), response.headers)


def result(status, answer, headers=None):
    """The result an HMRC answer gives (its status, its JSON body or None)."""
    if status == 200 and isinstance(answer, dict) and isinstance(answer.get("target"), dict):
        target = answer["target"]
        address = target.get("address") if isinstance(target.get("address"), dict) else {}
        lines = [address.get(f"line{n}") for n in range(1, 6)] + [address.get("postcode")]
        return Valid(
            name=str(target.get("name") or ""),
            address=", ".join(str(line) for line in lines if line),
            consultation=str(answer.get("consultationNumber") or ""),
        )
    if status in (400, 404):
        code = answer.get("code") if isinstance(answer, dict) else None
        return Invalid(f"HMRC says it is not a registered VAT number ({code or status})")
    return Unavailable(f"HTTP {status}", retry_after(headers))


def _lookup(vrn, token):
    url = f"{settings.HMRC_VAT_URL.rstrip('/')}/organisations/vat/check-vat-number/lookup/{vrn}"
    headers = {"Accept": ACCEPT, "Authorization": f"Bearer {token}"}
    return _http.send("GET", url, LABEL, headers=headers)


def _token():
    token = cache.get(TOKEN_CACHE_KEY)
    if token:
        return token
    response = _http.send(
        "POST",
        settings.HMRC_VAT_URL.rstrip("/") + "/oauth/token",
        LABEL,
        data={
            "grant_type": "client_credentials",
            "client_id": settings.HMRC_CLIENT_ID,
            "client_secret": settings.HMRC_CLIENT_SECRET,
        },
    )
    _http.raise_for_status(response, LABEL)
    body = _http.json_body(response, LABEL)
    token = body.get("access_token")
    if not token:
        raise ProviderError(f"{LABEL}: token answer without an access_token")
    expires_in = int(body.get("expires_in") or 3600)
    cache.set(TOKEN_CACHE_KEY, token, max(1, expires_in - TOKEN_MARGIN_SECONDS))
    return token


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None

"""The provider client: look a company up in a (fictional) company registry.

GET {COMPANY_REGISTRY_URL}/companies/<number> answers {"number", "name"} or 404.
"""

from django.conf import settings

from wizard.providers import _http
from wizard.providers.errors import ProviderRefused

LABEL = "Company registry"


class NotRegistered(Exception):
    """No company has this number."""


def lookup(number):
    """The registered name of company `number`. Raises NotRegistered, or
    ProviderUnavailable / ProviderRefused as every client does."""
    response = _http.send("GET", f"{settings.COMPANY_REGISTRY_URL}/companies/{number}", LABEL)
    if response.status_code == 404:
        raise NotRegistered(number)
    _http.raise_for_status(response, LABEL)
    body = _http.json_body(response, LABEL)
    if "name" not in body:
        raise ProviderRefused(f"{LABEL}: no name in {body!r}")
    return body["name"]

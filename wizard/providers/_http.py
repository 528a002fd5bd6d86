"""The one place these clients send HTTP: requests with the settings' timeout, transport
failures turned into ProviderUnavailable."""

import requests
from django.conf import settings

from .errors import ProviderRefused, ProviderUnavailable


def send(method: str, url: str, provider: str, **kwargs) -> requests.Response:
    """Send one request (no retries); raise ProviderUnavailable when no answer arrives."""
    try:
        return requests.request(
            method, url, timeout=settings.PROVIDER_TIMEOUT_SECONDS, allow_redirects=False, **kwargs
        )
    except requests.Timeout as exc:
        raise ProviderUnavailable(f"{provider}: no answer in time ({exc})") from exc
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"{provider}: {type(exc).__name__}: {exc}") from exc


def raise_for_status(response: requests.Response, provider: str, detail: str = ""):
    """Map an error status: 429 and 5xx are transient, any other non-2xx permanent."""
    if response.status_code < 300:
        return
    detail = f"{provider}: {detail or response.text[:500]}"
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderUnavailable(detail, response.status_code, response.headers)
    raise ProviderRefused(detail, response.status_code, response.headers)


def json_body(response: requests.Response, provider: str) -> dict:
    """The answer's JSON object; an unreadable answer counts as a transient failure."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderUnavailable(
            f"{provider}: unreadable answer {response.text[:200]!r}", response.status_code
        )
    return body

"""Google Indexing API: tell Google a job posting's URL was added, updated or removed.

OAuth through google-auth with a service account: ``settings.GOOGLE_INDEXING_CREDENTIALS``
(a service-account JSON file) in production. Without it, a throwaway service account is
made in-process whose token_uri is ``settings.GOOGLE_INDEXING_TOKEN_URI`` (the emulator's
/token), so the same code path runs locally. Credentials are cached per process.
"""

import json
import secrets
import threading

import google.auth.exceptions
import google.auth.transport.requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from google.oauth2 import service_account

from . import _http
from .errors import ProviderRefused, ProviderUnavailable

LABEL = "Google Indexing API"
SCOPES = ["https://www.googleapis.com/auth/indexing"]
URL_UPDATED = "URL_UPDATED"
URL_DELETED = "URL_DELETED"

_credentials_cache: dict[tuple, service_account.Credentials] = {}
_lock = threading.Lock()


def publish(url: str, type: str = URL_UPDATED) -> dict:
    """Notify Google that url was updated (URL_UPDATED) or removed (URL_DELETED).
    Returns Google's urlNotificationMetadata. Raises ProviderUnavailable (network, 5xx,
    429 when the daily quota is used up) or ProviderRefused (bad URL or type, bad
    credentials)."""
    endpoint = f"{settings.GOOGLE_INDEXING_API_BASE.rstrip('/')}/v3/urlNotifications:publish"
    payload = {"url": url, "type": type}
    response = None
    for force_refresh in (False, True):
        headers = {"Authorization": f"Bearer {_access_token(force_refresh)}"}
        response = _http.send("POST", endpoint, LABEL, json=payload, headers=headers)
        if response.status_code != 401:
            break  # a 401 means a revoked or expired token: get a new one, once
    _http.raise_for_status(response, LABEL, _error_message(response))
    metadata = _http.json_body(response, LABEL).get("urlNotificationMetadata")
    if not isinstance(metadata, dict):
        raise ProviderUnavailable(f"{LABEL}: answer without urlNotificationMetadata")
    return metadata


class _Request(google.auth.transport.requests.Request):
    """google-auth's requests transport, with our timeout on every call."""

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        timeout = settings.PROVIDER_TIMEOUT_SECONDS
        return super().__call__(url, method, body, headers, timeout=timeout, **kwargs)


def _access_token(force_refresh: bool) -> str:
    credentials = _credentials()
    with _lock:
        if force_refresh or not credentials.valid:
            try:
                credentials.refresh(_Request())
            except google.auth.exceptions.TransportError as exc:
                raise ProviderUnavailable(f"{LABEL} token: {exc}") from exc
            except google.auth.exceptions.RefreshError as exc:
                error = ProviderUnavailable if getattr(exc, "retryable", False) else ProviderRefused
                raise error(f"{LABEL} token refused: {exc}") from exc
        return credentials.token


def _credentials() -> service_account.Credentials:
    path = settings.GOOGLE_INDEXING_CREDENTIALS
    key = (path, "") if path else ("", settings.GOOGLE_INDEXING_TOKEN_URI)
    with _lock:
        credentials = _credentials_cache.get(key)
        if credentials is None:
            info = _read_service_account(path) if path else _throwaway_service_account(key[1])
            try:
                credentials = service_account.Credentials.from_service_account_info(
                    info, scopes=SCOPES
                )
            except ValueError as exc:
                raise ProviderRefused(f"{LABEL}: unusable service account: {exc}") from exc
            _credentials_cache[key] = credentials
        return credentials


def _read_service_account(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError) as exc:
        raise ProviderRefused(f"{LABEL}: cannot read GOOGLE_INDEXING_CREDENTIALS: {exc}") from exc


def _throwaway_service_account(token_uri: str) -> dict:
    """A service account that exists nowhere, for the emulator (which checks no signature)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "jobwizard-local",
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": "indexing@jobwizard-local.iam.gserviceaccount.com",
        "client_id": "100000000000000000000",
        "token_uri": token_uri,
    }


def _error_message(response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    if isinstance(error, dict):
        return f"{error.get('status')}: {error.get('message')}"
    return ""

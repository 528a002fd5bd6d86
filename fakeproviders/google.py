"""Google's OAuth2 token endpoint (JWT-bearer grant) and the Indexing API's publish call.

POST /token  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, assertion=<JWT>
    -> {"access_token", "expires_in": 3600, "token_type": "Bearer"}. The JWT must be
    well formed (RS256 header, iss, aud = Google's token URI or this /token, a scope
    holding the indexing scope, a current iat/exp); its signature is not checked.
POST /v3/urlNotifications:publish  Authorization: Bearer <token>, {"url", "type"}
    -> {"urlNotificationMetadata": {"url", "latestUpdate" | "latestRemove": {...}}}.
Errors in Google's shape {"error": {"code", "message", "status"}}: 401 UNAUTHENTICATED,
400 INVALID_ARGUMENT, 429 RESOURCE_EXHAUSTED once the daily quota of accepted publish
calls (Config.google_daily_quota, per emulator-clock UTC day) is used up.
"""

import base64
import json
import secrets
import time
from urllib.parse import urlsplit

from fakekit.messages import Request, Response, json_response

from .common import Clock, Config

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
INDEXING_SCOPE = "https://www.googleapis.com/auth/indexing"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_LIFETIME_SECONDS = 3600
CLOCK_SKEW_SECONDS = 300
TOKEN_PATH = "/token"
PUBLISH_PATH = "/v3/urlNotifications:publish"
NOTIFICATION_TYPES = {"URL_UPDATED": "latestUpdate", "URL_DELETED": "latestRemove"}


def google_error(code: int, status: str, message: str) -> Response:
    return json_response(code, {"error": {"code": code, "message": message, "status": status}})


def oauth_error(status: int, error: str, description: str) -> Response:
    return json_response(status, {"error": error, "error_description": description})


class GoogleIndexing:
    def __init__(self, clock: Clock, config: Config):
        self.clock = clock
        self.config = config
        self.tokens: dict[str, dict] = {}  # access token -> {"client_email", "expires_at"}
        self.published: dict[int, int] = {}  # UTC day number -> accepted publish calls
        self.metadata: dict[str, dict] = {}  # url -> urlNotificationMetadata

    @staticmethod
    def handles(path: str) -> bool:
        return path in (TOKEN_PATH, PUBLISH_PATH)

    def injected_error(self, kind: str, path: str) -> Response:
        if path == TOKEN_PATH:
            if kind == "429":
                return oauth_error(429, "rate_limit_exceeded", "Rate limit exceeded (injected).")
            return oauth_error(500, "internal_failure", "Internal error (injected).")
        if kind == "429":
            return google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted.")
        return google_error(500, "INTERNAL", "Internal error encountered.")

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return google_error(405, "METHOD_NOT_ALLOWED", f"Method {request.method} not allowed")
        if request.path == TOKEN_PATH:
            return self._token(request)
        return self._publish(request)

    # ---- OAuth -----------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        params = request.form()
        grant_type = params.get("grant_type", "")
        if grant_type != JWT_BEARER:
            return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        assertion = params.get("assertion", "")
        try:
            claims = _jwt_claims(assertion)
        except ValueError as exc:
            return oauth_error(400, "invalid_grant", f"Invalid JWT: {exc}")
        own_uri = f"http://{request.headers.get('Host', '')}{TOKEN_PATH}"
        if claims.get("aud") not in (GOOGLE_TOKEN_URI, own_uri):
            return oauth_error(400, "invalid_grant", f"Invalid JWT: aud must be {GOOGLE_TOKEN_URI}")
        if not isinstance(claims.get("iss"), str) or "@" not in claims["iss"]:
            return oauth_error(400, "invalid_grant", "Invalid JWT: iss is not a client email")
        # The assertion's times are the signer's wall clock, not the emulator's clock.
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not all(isinstance(value, int | float) for value in (iat, exp)):
            return oauth_error(400, "invalid_grant", "Invalid JWT: iat and exp are required")
        if iat > now + CLOCK_SKEW_SECONDS or exp < now - CLOCK_SKEW_SECONDS or exp <= iat:
            return oauth_error(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        if exp - iat > TOKEN_LIFETIME_SECONDS:
            return oauth_error(400, "invalid_grant", "Invalid JWT: lifetime exceeds one hour")
        scopes = str(claims.get("scope", "")).split()
        if INDEXING_SCOPE not in scopes:
            return oauth_error(400, "invalid_scope", f"Missing scope {INDEXING_SCOPE}")
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        self.tokens[token] = {
            "client_email": claims["iss"],
            "expires_at": self.clock.now() + TOKEN_LIFETIME_SECONDS,
        }
        return json_response(
            200,
            {"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS, "token_type": "Bearer"},
        )

    # ---- Indexing API ------------------------------------------------------------

    def _publish(self, request: Request) -> Response:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        grant = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant["expires_at"] <= self.clock.now():
            return google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        url, kind = body.get("url"), body.get("type")
        if kind not in NOTIFICATION_TYPES:
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "Invalid value at 'url_notification.type' "
                f"(type.googleapis.com/google.indexing.v3.UrlNotificationType), {kind!r}",
            )
        if not _is_web_url(url):
            return google_error(
                400, "INVALID_ARGUMENT", f"Url '{url}' is not in standard URL format"
            )
        day = int(self.clock.now() // 86400)
        if self.published.get(day, 0) >= self.config.google_daily_quota:
            return google_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for quota metric 'Publish requests' and limit 'Publish "
                "requests per day' of service 'indexing.googleapis.com'.",
            )
        self.published[day] = self.published.get(day, 0) + 1
        metadata = self.metadata.setdefault(url, {"url": url})
        metadata[NOTIFICATION_TYPES[kind]] = {
            "url": url,
            "type": kind,
            "notifyTime": self.clock.iso(),
        }
        return json_response(200, {"urlNotificationMetadata": dict(metadata)})


def _b64url_json(segment: str) -> dict:
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError):
        raise ValueError("a segment is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise ValueError("a segment is not a JSON object")
    return value


def _jwt_claims(assertion: str) -> dict:
    parts = assertion.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError("expected header.payload.signature")
    header = _b64url_json(parts[0])
    if header.get("alg") != "RS256":
        raise ValueError("alg must be RS256")
    return _b64url_json(parts[1])


def _is_web_url(url) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)

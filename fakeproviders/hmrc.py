"""HMRC's "Check a UK VAT number" API, version 2, with its OAuth token endpoint.

POST /oauth/token  grant_type=client_credentials, client_id, client_secret
  -> 200 {"access_token", "token_type": "bearer", "expires_in": 14400, "scope"}
  -> 401 {"error": "invalid_client"} for other credentials.
GET /organisations/vat/check-vat-number/lookup/{vrn}   Authorization: Bearer <token>
  -> 200 {"target": {"name", "vatNumber", "address"}, "processingDate"} for a number in KNOWN;
  -> 404 {"code": "NOT_FOUND", "reason": …} for any other well-formed VRN (9 digits);
  -> 400 {"code": "INVALID_REQUEST"} for a malformed one; 401 MISSING_CREDENTIALS or
     INVALID_CREDENTIALS without a token it issued.
Faults: "500", "503" and "429" (with Retry-After: 1) answer HMRC's error shape.
"""

import re
import secrets

from fakekit.messages import Request, Response, json_response

from .common import Clock, Config

TOKEN_PATH = "/oauth/token"
_LOOKUP = re.compile(r"/organisations/vat/check-vat-number/lookup/(?P<vrn>[^/]+)")
_VRN = re.compile(r"\d{9}|\d{12}")
TOKEN_SECONDS = 14400
KNOWN = {
    "980780684": (
        "Example Ltd",
        {"line1": "1 Example Street", "line2": "London", "postcode": "SW1A 1AA"},
    ),
}


def hmrc_error(status: int, code: str, message: str, headers=None) -> Response:
    return json_response(status, {"code": code, "message": message}, headers)


class Hmrc:
    def __init__(self, clock: Clock, config: Config):
        self.clock = clock
        self.config = config
        self.tokens: dict[str, float] = {}  # token -> expiry

    @staticmethod
    def handles(path: str) -> bool:
        return path == TOKEN_PATH or _LOOKUP.fullmatch(path) is not None

    def injected_error(self, kind: str) -> Response:
        if kind == "429":
            return hmrc_error(
                429, "MESSAGE_THROTTLED_OUT", "Too many requests", {"Retry-After": "1"}
            )
        if kind == "503":
            return hmrc_error(503, "SERVER_ERROR", "Service unavailable")
        return hmrc_error(500, "INTERNAL_SERVER_ERROR", "Internal server error")

    def handle(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            return self._token(request)
        if request.method != "GET":
            return hmrc_error(405, "METHOD_NOT_ALLOWED", "Method not allowed")
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return hmrc_error(401, "MISSING_CREDENTIALS", "Authentication information not provided")
        if self.tokens.get(token, 0) <= self.clock.now():
            return hmrc_error(401, "INVALID_CREDENTIALS", "Invalid Authentication information")
        vrn = _LOOKUP.fullmatch(request.path)["vrn"]
        if not _VRN.fullmatch(vrn):
            return hmrc_error(
                400,
                "INVALID_REQUEST",
                "Invalid targetVrn - Vrn parameters should be 9 or 12 digits",
            )
        if vrn not in KNOWN:
            return json_response(
                404,
                {"code": "NOT_FOUND", "reason": "targetVrn does not match a registered company"},
            )
        name, address = KNOWN[vrn]
        return json_response(
            200,
            {
                "target": {
                    "name": name,
                    "vatNumber": vrn,
                    "address": {**address, "countryCode": "GB"},
                },
                "processingDate": self.clock.iso(),
            },
        )

    def _token(self, request: Request) -> Response:
        params = request.form()
        if params.get("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type"})
        if (params.get("client_id"), params.get("client_secret")) != (
            self.config.hmrc_client_id,
            self.config.hmrc_client_secret,
        ):
            return json_response(401, {"error": "invalid_client"})
        token = secrets.token_hex(16)
        self.tokens[token] = self.clock.now() + TOKEN_SECONDS
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_SECONDS,
                "scope": "",
            },
        )

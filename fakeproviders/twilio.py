"""Twilio Verify v2: start a verification (an SMS with a 6-digit code), then check a code.

POST /v2/Services/{ServiceSid}/Verifications      To, Channel=sms          -> 201
POST /v2/Services/{ServiceSid}/VerificationCheck  To or VerificationSid, Code -> 200
HTTP basic auth AccountSid:AuthToken (401, code 20003, otherwise). Errors are Twilio's:
{"code", "message", "more_info", "status"}. Rules, as Twilio applies them:
- a send to a number with a pending verification re-sends the same code (same sid);
- a sixth send to one number within 10 minutes: 429, code 60203;
- a verification lives 10 minutes; checking a number without a pending one: 404, 20404;
- the right code approves it (and it is no longer pending); after 5 wrong codes the next
  check gets 429, code 60202, and the verification is canceled.
Each "SMS" is printed to stdout and kept for GET /_fakeproviders/sms.
"""

import base64
import re
import secrets
from collections import defaultdict

from fakekit.messages import Request, Response, json_response

from .common import Clock, Config

SEND_WINDOW_SECONDS = 600
MAX_SENDS_PER_WINDOW = 5
MAX_WRONG_CHECKS = 5
VERIFICATION_TTL_SECONDS = 600
_SERVICE_SID = re.compile(r"VA[0-9a-fA-F]{32}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_ROUTE = re.compile(r"/v2/Services/(?P<service>[^/]+)/(?P<action>Verifications|VerificationCheck)")


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> Response:
        return json_response(
            self.status,
            {
                "code": self.code,
                "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.status,
            },
        )


def _not_found(path: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {path} was not found")


class TwilioVerify:
    def __init__(self, clock: Clock, config: Config, on_sms):
        self.clock = clock
        self.config = config
        self.on_sms = on_sms  # called with each message dict
        self.verifications: dict[str, dict] = {}  # sid -> internal record
        self.pending: dict[tuple, str] = {}  # (service sid, to) -> verification sid
        self.sends: dict[tuple, list] = defaultdict(list)  # (service sid, to) -> send times
        self.messages: list[dict] = []

    @staticmethod
    def handles(path: str) -> bool:
        return _ROUTE.fullmatch(path) is not None

    def injected_error(self, kind: str) -> Response:
        if kind == "429":
            return TwilioError(429, 20429, "Too Many Requests").response()
        return TwilioError(500, 20500, "An internal server error has occurred").response()

    def handle(self, request: Request) -> Response:
        match = _ROUTE.fullmatch(request.path)
        twilio_path = request.path.removeprefix("/v2")
        try:
            if request.method != "POST":
                raise TwilioError(405, 20004, "Method not allowed")
            self._authenticate(request)
            service = match["service"]
            if not _SERVICE_SID.fullmatch(service):
                raise _not_found(twilio_path)
            params = request.form()
            if match["action"] == "Verifications":
                return json_response(201, self._start(service, params))
            return json_response(200, self._check(service, params, twilio_path))
        except TwilioError as error:
            return error.response()

    def _authenticate(self, request: Request):
        scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
        try:
            credentials = base64.b64decode(encoded, validate=True).decode()
        except ValueError:
            credentials = ""
        expected = f"{self.config.twilio_account_sid}:{self.config.twilio_auth_token}"
        if scheme.lower() != "basic" or not secrets.compare_digest(credentials, expected):
            raise TwilioError(401, 20003, "Authenticate")

    def _start(self, service: str, params: dict) -> dict:
        to = params.get("To", "").strip()
        if not _E164.fullmatch(to):
            raise TwilioError(400, 60200, f"Invalid parameter `To`: {to}")
        channel = params.get("Channel", "")
        if channel != "sms":
            raise TwilioError(400, 60200, f"Invalid parameter `Channel`: {channel}")
        now = self.clock.now()
        key = (service, to)
        recent = [at for at in self.sends[key] if now - at < SEND_WINDOW_SECONDS]
        self.sends[key] = recent
        if len(recent) >= MAX_SENDS_PER_WINDOW:
            raise TwilioError(429, 60203, "Max send attempts reached")
        recent.append(now)
        verification = self._pending(key)
        if verification is None:
            verification = {
                "sid": "VE" + secrets.token_hex(16),
                "service_sid": service,
                "to": to,
                "channel": channel,
                "status": "pending",
                "code": f"{secrets.randbelow(10**6):06d}",
                "wrong_checks": 0,
                "created": now,
                "updated": now,
                "send_code_attempts": [],
            }
            self.verifications[verification["sid"]] = verification
            self.pending[key] = verification["sid"]
        verification["updated"] = now
        verification["send_code_attempts"].append(
            {"attempt_sid": "VL" + secrets.token_hex(16), "channel": channel, "time": now}
        )
        message = {
            "to": to,
            "code": verification["code"],
            "body": f"your Jobwizard code is {verification['code']}",
            "verification_sid": verification["sid"],
            "service_sid": service,
            "at": self.clock.iso(now),
        }
        self.messages.append(message)
        self.on_sms(message)
        return self._verification_json(verification)

    def _check(self, service: str, params: dict, twilio_path: str) -> dict:
        code = params.get("Code", "").strip()
        if not code:
            raise TwilioError(400, 60200, "Invalid parameter: Code")
        sid, to = params.get("VerificationSid", "").strip(), params.get("To", "").strip()
        if sid:
            verification = self.verifications.get(sid)
            if verification is None or verification["service_sid"] != service:
                raise _not_found(twilio_path)
            verification = self._pending((service, verification["to"]))
            if verification is None or verification["sid"] != sid:
                raise _not_found(twilio_path)
        elif to:
            verification = self._pending((service, to))
        else:
            raise TwilioError(400, 60200, "Either a 'To' number or 'VerificationSid' is required")
        if verification is None:
            raise _not_found(twilio_path)
        now = self.clock.now()
        verification["updated"] = now
        if verification["wrong_checks"] >= MAX_WRONG_CHECKS:
            verification["status"] = "canceled"
            del self.pending[(service, verification["to"])]
            raise TwilioError(429, 60202, "Max check attempts reached")
        # As bytes: a code in another script's digits is a wrong code, not a crash.
        if secrets.compare_digest(code.encode(), verification["code"].encode()):
            verification["status"] = "approved"
            del self.pending[(service, verification["to"])]
        else:
            verification["wrong_checks"] += 1
        body = self._verification_json(verification)
        for name in ("lookup", "send_code_attempts", "url", "links", "sna"):
            body.pop(name, None)
        body["sna_attempts_error_codes"] = []
        return body

    def _pending(self, key: tuple) -> dict | None:
        """The pending verification for (service, to), forgetting an expired one."""
        sid = self.pending.get(key)
        if sid is None:
            return None
        verification = self.verifications[sid]
        if self.clock.now() - verification["created"] >= VERIFICATION_TTL_SECONDS:
            verification["status"] = "expired"
            del self.pending[key]
            return None
        return verification

    def _verification_json(self, verification: dict) -> dict:
        service, sid = verification["service_sid"], verification["sid"]
        return {
            "sid": sid,
            "service_sid": service,
            "account_sid": self.config.twilio_account_sid,
            "to": verification["to"],
            "channel": verification["channel"],
            "status": verification["status"],
            "valid": verification["status"] == "approved",
            "lookup": {},
            "amount": None,
            "payee": None,
            "send_code_attempts": [
                {**attempt, "time": self.clock.iso(attempt["time"])}
                for attempt in verification["send_code_attempts"]
            ],
            "date_created": self.clock.iso(verification["created"]),
            "date_updated": self.clock.iso(verification["updated"]),
            "sna": None,
            "url": f"https://verify.twilio.com/v2/Services/{service}/Verifications/{sid}",
        }

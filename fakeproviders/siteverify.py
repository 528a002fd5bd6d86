"""Bot-check siteverify, the protocol Cloudflare Turnstile, hCaptcha and reCAPTCHA share.

POST secret, response and optional remoteip (form-encoded; Turnstile also JSON and
idempotency_key); the answer is always 200 with {"success", "error-codes", ...}.
Accepted: the providers' documented test secrets with their documented test tokens
(the token alone, or followed by "." and any suffix, so that each solve can be unique);
the reCAPTCHA test secret accepts any token. A token may also say where it was solved, as
the real widget's would: ";hostname=<host>" and ";action=<action>" after it (the emulated
widget adds them); a successful answer reports them (else the configured hostname, and no
action, or reCAPTCHA's "submit"), so a test can show a token solved on another site, or
for another action, refused. Every token is spent once verified: the next
verify of it gives timeout-or-duplicate (Turnstile replays the first answer instead when
the same idempotency_key comes again). The literal FAIL.DUMMY.TOKEN always fails with
invalid-input-response.
"""

import json

from fakekit.messages import Request, Response, json_response

from .common import Clock, Config

FAIL_TOKEN = "FAIL.DUMMY.TOKEN"

# secret -> behaviour, per provider (the providers' documented test secrets)
TEST_SECRETS = {
    "turnstile": {
        "1x0000000000000000000000000000000AA": "pass",
        "2x0000000000000000000000000000000AA": "fail",
        "3x0000000000000000000000000000000AA": "spent",
    },
    "hcaptcha": {"0x0000000000000000000000000000000000000000": "pass"},
    "recaptcha": {"6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe": "any"},
}
TEST_TOKENS = {
    "turnstile": "XXXX.DUMMY.TOKEN.XXXX",
    "hcaptcha": "10000000-aaaa-bbbb-cccc-000000000001",
    "recaptcha": None,  # its test secret accepts any token
}


class SiteVerify:
    def __init__(self, clock: Clock, config: Config):
        self.clock = clock
        self.config = config
        # (provider, token) -> (idempotency_key or None, the first answer)
        self.spent: dict[tuple, tuple] = {}

    def injected_error(self, kind: str) -> Response:
        status = int(kind)
        return json_response(status, {"success": False, "error-codes": ["internal-error"]})

    def handle(self, provider: str, request: Request) -> Response:
        if request.method != "POST":
            return json_response(405, {"success": False, "error-codes": ["bad-request"]})
        if provider == "turnstile" and request.is_json():
            try:
                params = request.json()
            except ValueError:
                params = None
            if not isinstance(params, dict):
                return self._answer(provider, False, ["bad-request"])
        else:
            params = request.form()
        secret = _text(params.get("secret"))
        token = _text(params.get("response"))
        idempotency_key = _text(params.get("idempotency_key")) if provider == "turnstile" else ""

        errors = []
        mode = TEST_SECRETS[provider].get(secret)
        if not secret:
            errors.append("missing-input-secret")
        elif mode is None:
            errors.append("invalid-input-secret")
        if not token:
            errors.append("missing-input-response")
        if errors:
            return self._answer(provider, False, errors)

        spent = self.spent.get((provider, token))
        if spent is not None:
            if idempotency_key and spent[0] == idempotency_key:
                return json_response(200, spent[1])
            return self._answer(provider, False, ["timeout-or-duplicate"])
        if token == FAIL_TOKEN or mode == "fail":
            response = self._answer(provider, False, ["invalid-input-response"])
        elif mode == "spent":
            response = self._answer(provider, False, ["timeout-or-duplicate"])
        elif mode == "pass" and not _is_test_token(_solved(token)[0], TEST_TOKENS[provider]):
            response = self._answer(provider, False, ["invalid-input-response"])
        else:
            response = self._answer(provider, True, [], _solved(token)[1])
        if token != FAIL_TOKEN:
            self.spent[(provider, token)] = (idempotency_key or None, _json_of(response))
        return response

    def _answer(self, provider: str, success: bool, errors: list, solved=None) -> Response:
        body = {"success": success, "error-codes": errors}
        if success:
            solved = solved or {}
            body["challenge_ts"] = self.clock.iso()
            body["hostname"] = solved.get("hostname") or self.config.siteverify_hostname
            if provider == "turnstile":
                action = solved.get("action", "")
                body.update(action=action, cdata="", metadata={"interactive": False})
            elif provider == "hcaptcha":
                body["credit"] = False
            else:  # reCAPTCHA v3 scores each solve
                body.update(score=0.9, action=solved.get("action", "submit"))
        if provider == "turnstile":
            body["messages"] = []
        return json_response(200, body)


def _solved(token: str) -> tuple[str, dict]:
    """The token proper, and where it says it was solved (";hostname=…;action=…")."""
    token, *claims = token.split(";")
    where = {}
    for claim in claims:
        name, _, value = claim.partition("=")
        if name in ("hostname", "action"):
            where[name] = value
    return token, where


def _is_test_token(token: str, test_token: str) -> bool:
    return token == test_token or token.startswith(test_token + ".")


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _json_of(response: Response) -> dict:
    return json.loads(response.body)

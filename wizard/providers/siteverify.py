"""Bot-check verification: the siteverify protocol shared by Cloudflare Turnstile,
hCaptcha and reCAPTCHA.

The page shows the provider's widget (``PROVIDERS[name].script_url`` with the site key);
the widget puts a one-time token in the form field ``field_name()``; ``verify`` asks the
provider whether that token is genuine. ``settings.BOT_CHECK_PROVIDER`` picks the
provider; ``settings.BOT_CHECK_FAIL_OPEN`` is the caller's policy for ProviderUnavailable.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings

from . import _http
from .errors import ProviderRefused, ProviderUnavailable


@dataclass(frozen=True)
class BotCheckProvider:
    name: str
    verify_url: str  # the real provider's endpoint
    emulator_path: str  # the same endpoint on fakeproviders
    script_url: str  # the widget's script
    field_name: str  # the form field the widget fills with its token
    test_site_key: str  # documented test keys: the widget always passes...
    test_secret: str  # ...and siteverify accepts...
    test_token: str  # ...this token
    # Whether the widget takes an action (Turnstile's data-action), reported back in the
    # verdict: the bot check then compares it with the form's.
    has_action: bool = False


PROVIDERS = {
    "turnstile": BotCheckProvider(
        name="turnstile",
        verify_url="https://challenges.cloudflare.com/turnstile/v0/siteverify",
        emulator_path="/turnstile/v0/siteverify",
        script_url="https://challenges.cloudflare.com/turnstile/v0/api.js",
        field_name="cf-turnstile-response",
        test_site_key="1x00000000000000000000AA",
        test_secret="1x0000000000000000000000000000000AA",
        test_token="XXXX.DUMMY.TOKEN.XXXX",
        has_action=True,
    ),
    "hcaptcha": BotCheckProvider(
        name="hcaptcha",
        verify_url="https://api.hcaptcha.com/siteverify",
        emulator_path="/hcaptcha/siteverify",
        script_url="https://js.hcaptcha.com/1/api.js",
        field_name="h-captcha-response",
        test_site_key="10000000-ffff-ffff-ffff-000000000001",
        test_secret="0x0000000000000000000000000000000000000000",
        test_token="10000000-aaaa-bbbb-cccc-000000000001",
    ),
    "recaptcha": BotCheckProvider(
        name="recaptcha",
        verify_url="https://www.google.com/recaptcha/api/siteverify",
        emulator_path="/recaptcha/api/siteverify",
        script_url="https://www.google.com/recaptcha/api.js",
        field_name="g-recaptcha-response",
        test_site_key="6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI",
        test_secret="6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe",
        test_token="XXXX.DUMMY.TOKEN.XXXX",  # its test secret accepts any token
    ),
}

# Error codes that mean our configuration or request is wrong, not the visitor.
_OUR_FAULT = {"missing-input-secret", "invalid-input-secret", "bad-request", "invalid-keys"}
_THEIR_FAULT = {"internal-error"}


@dataclass(frozen=True)
class Verdict:
    success: bool
    error_codes: tuple = ()
    hostname: str | None = None
    challenge_ts: str | None = None
    score: float | None = None  # reCAPTCHA v3 only
    action: str | None = None


def provider() -> BotCheckProvider:
    try:
        return PROVIDERS[settings.BOT_CHECK_PROVIDER]
    except KeyError:
        raise ProviderRefused(
            f"BOT_CHECK_PROVIDER must be one of {sorted(PROVIDERS)}, "
            f"not {settings.BOT_CHECK_PROVIDER!r}"
        ) from None


def field_name() -> str:
    """The form field that carries the widget's token."""
    return provider().field_name


def test_token() -> str:
    """The provider's documented test token (accepted with its test secret)."""
    return provider().test_token


def fresh_test_token(hostname: str | None = None, action: str | None = None) -> str:
    """A unique variant of the test token, for the emulator only: it spends each token
    once verified, so a widget emulation that must pass more than once needs a new one
    per solve, as a real widget produces. `hostname` and `action` say where the emulated
    widget was solved; the emulator reports them in its verdict, as a real provider does."""
    token = f"{provider().test_token}.{uuid.uuid4().hex}"
    if hostname:
        token += f";hostname={hostname}"
    if action:
        token += f";action={action}"
    return token


def verify(token: str, remote_ip: str | None = None, idempotency_key: str | None = None):
    """Ask the provider whether token is a genuine, unspent solve. Returns a Verdict
    (success False for a bad, expired or replayed token). Raises ProviderUnavailable when
    the provider cannot answer, ProviderRefused when it rejects our secret or request.
    idempotency_key (Turnstile only) makes a retry after a lost answer safe."""
    chosen = provider()
    if not token:
        return Verdict(False, ("missing-input-response",))
    data = {"secret": settings.BOT_CHECK_SECRET_KEY, "response": token}
    if remote_ip:
        data["remoteip"] = remote_ip
    if idempotency_key and chosen.name == "turnstile":
        data["idempotency_key"] = idempotency_key
    label = f"siteverify ({chosen.name})"
    response = _http.send("POST", settings.BOT_CHECK_VERIFY_URL, label, data=data)
    _http.raise_for_status(response, label)
    body = _http.json_body(response, label)
    codes = tuple(str(code) for code in body.get("error-codes") or ())
    if _OUR_FAULT.intersection(codes):
        raise ProviderRefused(f"{label} refused our request: {', '.join(codes)}")
    if _THEIR_FAULT.intersection(codes):
        raise ProviderUnavailable(f"{label} failed: {', '.join(codes)}")
    return Verdict(
        success=body.get("success") is True,
        error_codes=codes,
        hostname=body.get("hostname"),
        challenge_ts=body.get("challenge_ts"),
        score=body.get("score"),
        action=body.get("action"),
    )

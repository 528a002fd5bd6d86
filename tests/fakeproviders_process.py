"""Run fakeproviders as a subprocess for tests.

proc = FakeProvidersProcess().start()
settings.TWILIO_API_BASE = proc.url
...
proc.sms_code("+15551234567")   # the last code "sent" to that number
proc.stop()
"""

import urllib.parse

from tests.emulator_process import PROJECT_ROOT, EmulatorProcess, without_none

__all__ = ["PROJECT_ROOT", "FakeProvidersProcess"]


class FakeProvidersProcess(EmulatorProcess):
    package = "fakeproviders"

    def __init__(self, *extra_args: str):
        self.extra_args = list(extra_args)  # e.g. "--google-daily-quota", "5"
        super().__init__()

    def command_args(self) -> list[str]:
        return self.extra_args

    # ---- control endpoints -------------------------------------------------

    def reset(self):
        """Forget all state, faults, clock and configuration changes."""
        return self._control("POST", "/_fakeproviders/reset", {})

    def requests(self, provider=None) -> list[dict]:
        """Every provider request so far, in order: seq, provider ("turnstile", "hcaptcha",
        "recaptcha", "twilio", "google", "indexnow", "vies", "hmrc"), method, path, query,
        form, json, status (None while in flight), fault, answered (False for a lost
        response), at."""
        data = self._control("GET", "/_fakeproviders/requests")["data"]
        return [entry for entry in data if provider is None or entry["provider"] == provider]

    def sms(self, to=None) -> list[dict]:
        """The SMS sent (to that number): to, code, body, verification_sid, service_sid, at."""
        query = "" if to is None else "?" + urllib.parse.urlencode({"to": to})
        return self._control("GET", "/_fakeproviders/sms" + query)["data"]

    def sms_code(self, to: str) -> str:
        """The code in the last SMS sent to that number (AssertionError if none)."""
        messages = self.sms(to)
        assert messages, f"no SMS was sent to {to}"
        return messages[-1]["code"]

    def add_fault(self, kind, count=1, method=None, path=None, delay=None) -> list[dict]:
        """Make the next count provider requests matching method and path (a regex searched
        in the request path) fail: "500", "429" (the provider's error shape), "timeout"
        (answer only after delay seconds, default 30, doing the work after the wait) or
        "lost_response" (do the work, then close the connection unanswered). Returns the
        pending faults."""
        spec = {"kind": kind, "count": count, "method": method, "path": path, "delay": delay}
        return self._control("POST", "/_fakeproviders/faults", without_none(spec))["data"]

    def vies_unavailable(self, country: str, requests: int | None = None) -> dict:
        """Make VIES answer MS_UNAVAILABLE for `country`'s next `requests` checks (None:
        until vies_available)."""
        body = without_none({"country": country, "requests": requests})
        return self._control("POST", "/_fakeproviders/vies/unavailable", body)

    def vies_available(self, country: str) -> dict:
        return self._control("POST", "/_fakeproviders/vies/available", {"country": country})

    def faults(self) -> list[dict]:
        return self._control("GET", "/_fakeproviders/faults")["data"]

    def configure(self, **config) -> dict:
        """Change google_daily_quota, indexnow_key, indexnow_rate_limit,
        siteverify_hostname, twilio_account_sid or twilio_auth_token until the next reset."""
        return self._control("POST", "/_fakeproviders/config", config)

    def advance_clock(self, seconds: float) -> dict:
        """Move the emulator's clock (verification expiry, send windows, daily quota)."""
        return self._control("POST", "/_fakeproviders/clock", {"advance_seconds": seconds})

"""Run fakeproviders as a subprocess for tests.

proc = FakeProvidersProcess().start()
settings.TWILIO_API_BASE = proc.url
...
proc.sms_code("+15551234567")   # the last code "sent" to that number
proc.stop()
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 10

# No proxies: everything is on 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeProvidersProcess:
    def __init__(self, *extra_args: str):
        self.extra_args = list(extra_args)  # e.g. "--google-daily-quota", "5"
        self.port = None
        self.url = None
        self._process = None
        self._output = None
        self.returncode = None

    # ---- lifecycle ---------------------------------------------------------

    def start(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "fakeproviders", "--port", str(self.port)]
        self._output = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            command + self.extra_args,
            cwd=PROJECT_ROOT,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if self._request("GET", "/_fakeproviders/health")[0] == 200:
                    return self
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError(f"fakeproviders did not start on {self.url}:\n{output}")

    def stop(self):
        """Terminate the process; its exit status is left in self.returncode."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.returncode = self._process.returncode
        self._process = None

    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        if self._output is None:
            return ""
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # ---- control endpoints -------------------------------------------------

    def reset(self):
        """Forget all state, faults, clock and configuration changes."""
        return self._control("POST", "/_fakeproviders/reset", {})

    def requests(self, provider=None) -> list[dict]:
        """Every provider request so far, in order: seq, provider ("turnstile", "hcaptcha",
        "recaptcha", "twilio", "google", "indexnow"), method, path, query, form, json,
        status (None while in flight), fault, answered (False for a lost response), at."""
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
        spec = {key: value for key, value in spec.items() if value is not None}
        return self._control("POST", "/_fakeproviders/faults", spec)["data"]

    def faults(self) -> list[dict]:
        return self._control("GET", "/_fakeproviders/faults")["data"]

    def configure(self, **config) -> dict:
        """Change google_daily_quota, indexnow_key, indexnow_rate_limit,
        siteverify_hostname, twilio_account_sid or twilio_auth_token until the next reset."""
        return self._control("POST", "/_fakeproviders/config", config)

    def advance_clock(self, seconds: float) -> dict:
        """Move the emulator's clock (verification expiry, send windows, daily quota)."""
        return self._control("POST", "/_fakeproviders/clock", {"advance_seconds": seconds})

    # ---- plumbing --------------------------------------------------------------

    def _control(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        status, content = self._request(method, path, body, {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"{method} {path} -> {status}: {content!r}")
        return json.loads(content)

    def _request(self, method, path, body=None, headers=None):
        request = urllib.request.Request(
            self.url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with _opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read()

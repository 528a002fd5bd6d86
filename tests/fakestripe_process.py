"""Run fakestripe as a subprocess for tests, and sign hand-made webhook payloads.

    proc = FakeStripeProcess()
    proc.start()
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": proc.url})
    ...
    proc.stop()
"""

import hashlib
import hmac
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


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for payload, as Stripe computes it."""
    if timestamp is None:
        timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + payload
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# No proxies (everything is on 127.0.0.1) and no redirect following.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeStripeProcess:
    def __init__(self, webhook_secret="whsec_test_secret", webhook_url=None,
                 webhook_retry_delays=(0.1, 0.2, 0.4, 0.8)):
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.webhook_retry_delays = webhook_retry_delays
        self.port = None
        self.url = None
        self._process = None
        self._output = None
        self.returncode = None

    # ---- lifecycle ---------------------------------------------------------

    def start(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "fakestripe", "--port", str(self.port),
                   "--webhook-secret", self.webhook_secret,
                   "--webhook-retry-delays", ",".join(map(str, self.webhook_retry_delays))]
        if self.webhook_url:
            command += ["--webhook-url", self.webhook_url]
        self._output = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=self._output,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if self._request("GET", "/_fakestripe/health")[0] == 200:
                    return self
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError(f"fakestripe did not start on {self.url}:\n{output}")

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

    def configure(self, **settings):
        """configure(webhook_url=..., webhook_secret=..., webhook_retry_delays=[...])"""
        if "webhook_secret" in settings:
            self.webhook_secret = settings["webhook_secret"]
        if "webhook_url" in settings:
            self.webhook_url = settings["webhook_url"]
        return self._control("POST", "/_fakestripe/config", settings)

    def reset(self):
        return self._control("POST", "/_fakestripe/reset", {})

    def deliveries(self) -> list[dict]:
        """Webhook delivery attempts: event_id, event_type, attempt, url, status, error,
        succeeded, at (unix time)."""
        return self._control("GET", "/_fakestripe/deliveries")["data"]

    def pending_deliveries(self) -> int:
        return self._control("GET", "/_fakestripe/deliveries")["pending"]

    def wait_for_deliveries(self, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Poll until at least count attempts are recorded; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            attempts = self.deliveries()
            if len(attempts) >= count or time.monotonic() > deadline:
                return attempts
            time.sleep(0.02)

    def advance_clock(self, seconds: int) -> dict:
        """Move fakestripe's clock forward (e.g. past a session's expires_at)."""
        return self._control("POST", "/_fakestripe/clock", {"advance_seconds": seconds})

    # ---- hosted checkout page ------------------------------------------------

    def checkout_url_for(self, session_id: str) -> str:
        return f"{self.url}/checkout/{session_id}"

    def cancel_url_for(self, session_id: str) -> str:
        return f"{self.url}/checkout/{session_id}/cancel"

    def pay(self, session_id: str, card: str = "4242424242424242") -> tuple[int, str]:
        """Submit the hosted form. Returns (303, success redirect location) when paid,
        otherwise (status, html body)."""
        body = urllib.parse.urlencode({"card_number": card}).encode()
        status, headers, content = self._request(
            "POST", f"/checkout/{session_id}/pay", body,
            {"Content-Type": "application/x-www-form-urlencoded"})
        if 300 <= status < 400:
            return status, headers.get("Location", "")
        return status, content.decode()

    # ---- plumbing --------------------------------------------------------------

    def _control(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        status, _, content = self._request(method, path, body,
                                           {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"{method} {path} -> {status}: {content!r}")
        return json.loads(content)

    def _request(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self.url + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with _opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

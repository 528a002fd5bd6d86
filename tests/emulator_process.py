"""Run a local emulator (python -m <package>) as a subprocess for tests: start it on a free
port, wait for its health endpoint, stop it, read its output, call its control endpoints.

Subclasses (FakeStripeProcess, FakeProvidersProcess) name the package and add its options
and control endpoints.
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 10


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# No proxies (everything is on 127.0.0.1) and no redirect following.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def without_none(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


class EmulatorProcess:
    package = ""  # the module run with python -m; its control endpoints are /_<package>/

    def __init__(self):
        self.port = None
        self.url = None
        self._process = None
        self._output = None
        self.returncode = None

    def command_args(self) -> list[str]:
        """Options after --port PORT."""
        return []

    # ---- lifecycle ---------------------------------------------------------

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", self.package, "--port", str(self.port)]
        self._output = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            command + self.command_args(),
            cwd=PROJECT_ROOT,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if self._request("GET", f"/_{self.package}/health")[0] == 200:
                    return self
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError(f"{self.package} did not start on {self.url}:\n{output}")

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

    # ---- plumbing --------------------------------------------------------------

    def _control(self, method, path, payload=None):
        """Call a control endpoint (JSON in and out); RuntimeError unless it answers 200."""
        body = None if payload is None else json.dumps(payload).encode()
        status, _, content = self._request(method, path, body, {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"{method} {path} -> {status}: {content!r}")
        return json.loads(content)

    def _request(self, method, path, body=None, headers=None):
        """(status, headers, body) of a request to the emulator; redirects are not followed."""
        request = urllib.request.Request(
            self.url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with _opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

"""Requests, responses and the emulator's clock, shared by every provider."""

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: object  # case-insensitive mapping (email.message.Message)
    body: bytes

    def query_params(self) -> dict:
        return _flat(parse_qs(self.query, keep_blank_values=True))

    def form(self) -> dict:
        """The form-encoded body as {name: first value}; {} when it is not a form."""
        try:
            return _flat(parse_qs(self.body.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            return {}

    def is_json(self) -> bool:
        return "json" in (self.headers.get("Content-Type") or "").lower()

    def json(self):
        """The JSON body; raises ValueError when it is not JSON."""
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    drop_connection: bool = False  # close the socket without answering at all


NO_RESPONSE = Response(0, drop_connection=True)


def json_response(status: int, data, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(data, indent=2).encode(), "application/json", headers or {})


def text_response(status: int, text: str) -> Response:
    return Response(status, text.encode(), "text/plain; charset=utf-8")


def _flat(values: dict) -> dict:
    return {name: items[0] for name, items in values.items()}


class Clock:
    """Wall time plus an offset that tests move forward (POST /_fakeproviders/clock)."""

    def __init__(self):
        self.offset_seconds = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self.offset_seconds

    def advance(self, seconds: float):
        with self._lock:
            self.offset_seconds += seconds

    def iso(self, timestamp: float | None = None) -> str:
        moment = datetime.fromtimestamp(self.now() if timestamp is None else timestamp, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Config:
    """What a developer or a test may change (POST /_fakeproviders/config); reset restores
    the values the process started with."""

    siteverify_hostname: str = "localhost"
    twilio_account_sid: str = "AC" + "0" * 32
    twilio_auth_token: str = "jobwizard-dev-twilio-token"
    google_daily_quota: int = 200
    indexnow_key: str = "jobwizard-dev-indexnow-key"
    indexnow_rate_limit: int = 60  # accepted submissions per rolling minute, then 429

"""The emulator's clock and configuration, shared by every provider."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime


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
    hmrc_client_id: str = "jobwizard-dev-hmrc-client"
    hmrc_client_secret: str = "jobwizard-dev-hmrc-secret"

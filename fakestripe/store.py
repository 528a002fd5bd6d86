"""In-memory state: Stripe objects, events, idempotent responses, the clock."""

import copy
import secrets
import string
import threading
import time
from dataclasses import dataclass, field

API_VERSION = "2026-10-28.clover"
_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


@dataclass
class SessionDetails:
    """Checkout Session data that Stripe does not return on the object itself."""

    line_items: list
    payment_intent_metadata: dict = field(default_factory=dict)


@dataclass
class SavedResponse:
    method: str
    path: str
    params_fingerprint: str
    status: int
    body: bytes


class Store:
    """All state lives here, guarded by one re-entrant lock.

    The HTTP layer holds ``lock`` for the whole of each API call, so every
    operation (including the idempotency check-then-save) is atomic.
    """

    def __init__(self, publish_event=None):
        # publish_event(event) hands each new event to webhook delivery
        self.publish_event = publish_event or (lambda event: None)
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.checkout_sessions: dict[str, dict] = {}
            self.session_details: dict[str, SessionDetails] = {}
            self.payment_intents: dict[str, dict] = {}
            self.charges: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.events: dict[str, dict] = {}
            # (api_key, idempotency_key) -> SavedResponse
            self.idempotent_responses: dict[tuple[str, str], SavedResponse] = {}
            self.clock_offset_seconds = 0

    def now(self) -> int:
        return int(time.time()) + self.clock_offset_seconds

    def record_event(self, event_type: str, obj: dict) -> dict:
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        self.events[event["id"]] = event
        self.publish_event(event)
        return event

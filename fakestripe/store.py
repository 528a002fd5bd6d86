"""In-memory state: Stripe objects, events, idempotent responses, the clock."""

import copy
import secrets
import string
import time
from dataclasses import dataclass, field

from .event_order import BatchingLock, EventOrder

# The API version of the Stripe SDK the app pins (STRIPE_API_VERSION; stripe 16.x), as Stripe
# labels the objects and events of an account on it (fakestripe/versions.py).
API_VERSION = "2026-10-28.endive"
IDEMPOTENCY_KEY_LIFETIME = 24 * 60 * 60  # Stripe prunes keys after 24 hours
DEFAULT_REFUND_OUTCOME = "succeeded"
_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def new_invoice_prefix() -> str:
    """An account's invoice number prefix, as Stripe makes it: eight capitals and digits."""
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))


@dataclass
class SessionDetails:
    """Checkout Session data that Stripe does not return on the object itself."""

    line_items: list
    payment_intent_metadata: dict = field(default_factory=dict)
    payment_intent_description: str | None = None
    payment_intent_receipt_email: str | None = None


@dataclass
class SavedResponse:
    method: str
    path: str
    params_fingerprint: str
    status: int
    body: bytes
    saved_at: int  # emulator clock
    headers: dict = field(default_factory=dict)


@dataclass
class RequestContext:
    """The API request being executed: events it causes name it in event.request."""

    request_id: str
    idempotency_key: str | None


class Store:
    """All state lives here, guarded by one re-entrant lock.

    The HTTP layer holds ``lock`` for the whole of each API call, so every
    operation (including the idempotency check-then-save) is atomic.
    """

    def __init__(self, publish_event=None, event_order: EventOrder | None = None):
        # publish_event(event) hands each new event to webhook delivery; the events of one
        # operation (recorded under the lock) go together, in event_order's order
        self.publish_event = publish_event or (lambda event: None)
        self.event_order = event_order or EventOrder(seed=0)
        self.lock = BatchingLock(self._publish_batch)
        self.current_request: RequestContext | None = None
        self.reset()

    def reset(self):
        with self.lock:
            self.checkout_sessions: dict[str, dict] = {}
            self.session_details: dict[str, SessionDetails] = {}
            self.payment_intents: dict[str, dict] = {}
            self.charges: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.refunds_failing_later: list[str] = []  # fakestripe.refund_more
            self.early_fraud_warnings: dict[str, dict] = {}  # fakestripe.refund_more
            self.disputes: dict[str, dict] = {}  # fakestripe.disputes
            self.coupons: dict[str, dict] = {}  # fakestripe.coupons
            self.promotion_codes: dict[str, dict] = {}  # fakestripe.coupons
            # fakestripe.invoices: invoices, the pages of documents (token -> (kind, id)),
            # the account's invoice numbering and whether invoices are finalized at once
            self.invoices: dict[str, dict] = {}
            self.documents: dict[str, tuple[str, str]] = {}
            self.invoice_prefix = new_invoice_prefix()
            self.invoice_count = 0
            self.invoice_finalization = "at_once"
            # fakestripe.customers and fakestripe.tax: customers, their tax IDs, and what
            # each session with automatic tax knows of its customer's location
            self.customers: dict[str, dict] = {}
            self.tax_ids: dict[str, list] = {}
            self.session_tax: dict[str, dict] = {}
            self.events: dict[str, dict] = {}
            # (api_key, idempotency_key) -> SavedResponse
            self.idempotent_responses: dict[tuple[str, str], SavedResponse] = {}
            self.clock_offset_seconds = 0
            self.refund_outcome = DEFAULT_REFUND_OUTCOME
            self.event_order.reset()

    def now(self) -> int:
        return int(time.time()) + self.clock_offset_seconds

    def saved_response(self, cache_key: tuple[str, str]) -> SavedResponse | None:
        """The response saved for an idempotency key, unless the key has expired."""
        saved = self.idempotent_responses.get(cache_key)
        if saved is not None and self.now() - saved.saved_at >= IDEMPOTENCY_KEY_LIFETIME:
            del self.idempotent_responses[cache_key]
            return None
        return saved

    def prune_idempotency_keys(self):
        for cache_key in list(self.idempotent_responses):
            self.saved_response(cache_key)

    def record_event(
        self, event_type: str, obj: dict, previous_attributes: dict | None = None
    ) -> dict:
        """Record and publish an event. *.updated events must say what changed (Stripe's
        data.previous_attributes); events caused by an API request name it."""
        if event_type.endswith(".updated") and previous_attributes is None:
            raise ValueError(f"{event_type} needs previous_attributes")
        data = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        request = self.current_request
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": request.request_id if request else None,
                "idempotency_key": request.idempotency_key if request else None,
            },
            "type": event_type,
        }
        self.events[event["id"]] = event
        if self.lock.held_here():
            self.lock.batch.append(event)  # sent when the operation ends
        else:
            self.publish_event(event)
        return event

    def _publish_batch(self, events: list):
        for event in self.event_order.arrange(events):
            self.publish_event(event)

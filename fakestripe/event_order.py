"""The order in which the events of one operation are sent, as Stripe sends them: in any.

Stripe does not guarantee the order of webhook deliveries: the events of one card payment
(payment_intent.created, charge.succeeded, payment_intent.succeeded, charge.updated,
checkout.session.completed) arrive in any order. fakestripe publishes the events each
operation records (everything done while the store's lock is held: an API request, a
payment on the hosted page, a control hook) together when the lock is released, shuffled
by a seeded random generator: the same seed and the same operations give the same order.
Mode "created" keeps the order they were recorded in, for debugging. /v1/events always
lists them in the order they were created.

The seed and mode come from --event-seed / FAKESTRIPE_EVENT_SEED and --event-order /
FAKESTRIPE_EVENT_ORDER, can be changed with POST /_fakestripe/config ({"event_seed": N,
"event_order": "shuffled"|"created"}); a reset puts back the ones fakestripe was started
with and starts the generator again from the seed.
"""

import random
import threading

EVENT_ORDERS = ("shuffled", "created")
DEFAULT_EVENT_ORDER = "shuffled"


class EventOrder:
    def __init__(self, seed: int, mode: str = DEFAULT_EVENT_ORDER):
        self.configure(seed=seed, mode=mode)
        self._initial = (self.seed, self.mode)

    def reset(self):
        """Back to the seed and mode it was started with, the generator from its start."""
        self.configure(*self._initial)

    def configure(self, seed: int | None = None, mode: str | None = None):
        """A new seed or mode starts the generator again from the (new) seed."""
        if mode is not None and mode not in EVENT_ORDERS:
            raise ValueError(f"event_order must be one of {list(EVENT_ORDERS)}, not {mode!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"event_seed must be an integer, not {seed!r}")
        if mode is not None:
            self.mode = mode
        if seed is not None:
            self.seed = seed
        self.restart()

    def restart(self):
        self._random = random.Random(self.seed)

    def arrange(self, events: list) -> list:
        """The events of one operation, in the order they are to be sent."""
        if self.mode == "created" or len(events) < 2:
            return list(events)
        arranged = list(events)
        self._random.shuffle(arranged)
        return arranged

    def settings(self) -> dict:
        return {"event_order": self.mode, "event_seed": self.seed}


class BatchingLock:
    """The store's re-entrant lock. Events recorded while a thread holds it are kept back
    (`hold`) and handed to `flush` when that thread's outermost `with` ends, before the
    lock is released, so batches are published in the order the operations ran."""

    def __init__(self, flush):
        self._lock = threading.RLock()
        self._flush = flush
        self._owner = None
        self._depth = 0
        self.batch: list = []

    def __enter__(self):
        self._lock.acquire()
        self._owner = threading.get_ident()
        self._depth += 1
        return self

    def __exit__(self, *exc_info):
        try:
            if self._depth == 1 and self.batch:
                batch, self.batch = self.batch, []
                self._flush(batch)
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
            self._lock.release()

    def held_here(self) -> bool:
        return self._owner == threading.get_ident() and self._depth > 0

"""What goes wrong while the employers work, in one thread:

- a random task worker is SIGKILLed every SOAK_KILL_EVERY seconds or so, and restarted a
  moment later (a supervisor's restart); two times in three the victim is one that is
  running a task at that moment, when a crash costs something;
- Stripe fails the next request or two (any of them, or the kind the flow depends on):
  a 500, a 429, a timeout (the answer comes after the app gave up), or a lost response
  (the work done, the answer never sent), every SOAK_FAULT_EVERY seconds or so;
- Stripe's webhooks for the next event or few are duplicated, delayed or dropped, every
  SOAK_WEBHOOK_FAULT_EVERY seconds or so, and their destination moves from one web
  process to the other now and then.

The mailer fails on its own (soak/mailer.py).
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass

# (method, path regex) of the requests a targeted fault hits; None: whichever comes next.
API_TARGETS = [
    None,
    None,
    ("POST", r"^/v1/checkout/sessions$"),  # create a checkout (the employer waits)
    ("GET", r"^/v1/checkout/sessions/"),  # retrieve one (return URL, webhooks, fulfil)
    ("GET", r"^/v1/checkout/sessions$"),  # list them (the reconciler)
    ("POST", r"/expire$"),  # expire one (an edit after opening a checkout)
    ("POST", r"^/v1/refunds$"),  # refund
    # what disputes, fraud warnings and refunds made anywhere are read with (handlers and
    # the reconciler): a charge and its refunds, a dispute, a warning
    ("GET", r"^/v1/(charges|disputes|radar/early_fraud_warnings)"),
]
API_FAULTS = ["500", "429", "timeout", "lost_response"]
TIMEOUT_DELAY = 4.0  # seconds; the app gives a request up after STRIPE_TIMEOUT_SECONDS (3)
WEBHOOK_FAULTS = ["duplicate", "delay", "drop"]


@dataclass
class Kill:
    at: float  # seconds since the soak began
    worker: str
    worker_id: str
    pid: int


class Chaos:
    def __init__(self, stack, knobs, rng, began, busy_worker_ids=lambda: set()):
        self.stack = stack
        self.busy_worker_ids = busy_worker_ids  # the ids of workers running a task now
        self.fakestripe = stack.fakestripe
        self.knobs = knobs
        self.rng = rng
        self.began = began
        self.stop_event = threading.Event()
        self.kills: list[Kill] = []
        self.api_faults = Counter()  # kind -> requests it was asked to fail
        self.webhook_faults = Counter()  # kind -> events it was asked to alter
        self.webhook_switches = 0
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="soak-chaos", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        """Stop, and bring every killed worker back."""
        self.stop_event.set()
        self._thread.join()
        for worker in self.stack.workers:
            if not worker.alive:
                worker.start()

    def _every(self, mean):
        return mean * self.rng.uniform(0.5, 1.5) if mean > 0 else float("inf")

    def _run(self):
        knobs = self.knobs
        now = time.monotonic()
        due = {
            self._kill: now + self._every(knobs.kill_every),
            self._api_fault: now + self._every(knobs.fault_every),
            self._webhook_fault: now + self._every(knobs.webhook_fault_every),
            self._switch_webhooks: now + self._every(6),
        }
        every = {
            self._kill: knobs.kill_every,
            self._api_fault: knobs.fault_every,
            self._webhook_fault: knobs.webhook_fault_every,
            self._switch_webhooks: 6,
        }
        restarts = []  # (when, worker)
        while not self.stop_event.wait(0.2):
            now = time.monotonic()
            for when, worker in list(restarts):
                if when <= now:
                    restarts.remove((when, worker))
                    worker.start()
            for action, when in list(due.items()):
                if when <= now:
                    due[action] = now + self._every(every[action])
                    try:
                        restarted = action()
                    except Exception as exc:  # a control endpoint, the database: go on
                        self.errors.append(f"{action.__name__}: {exc}")
                        continue
                    if restarted is not None:
                        restarts.append((now + self.rng.uniform(0.5, 3.0), restarted))

    def _kill(self):
        alive = [worker for worker in self.stack.workers if worker.alive]
        if not alive:
            return None
        if self.rng.random() < 2 / 3:
            busy = self.busy_worker_ids()
            alive = [worker for worker in alive if worker.current_id in busy] or alive
        worker = self.rng.choice(alive)
        pid = worker.popen.pid
        worker.kill()
        self.kills.append(Kill(time.monotonic() - self.began, worker.name, worker.current_id, pid))
        return worker

    def _api_fault(self):
        kind = self.rng.choice(API_FAULTS)
        count = self.rng.randint(1, 2)
        target = self.rng.choice(API_TARGETS)
        method, path = target if target else (None, None)
        delay = TIMEOUT_DELAY if kind == "timeout" else None
        self.fakestripe.inject_fault(kind, count=count, method=method, path=path, delay=delay)
        self.api_faults[kind] += count

    def _webhook_fault(self):
        kind = self.rng.choice(WEBHOOK_FAULTS)
        count = self.rng.randint(1, 3)
        options = {}
        if kind == "duplicate":
            options["times"] = self.rng.randint(2, 3)
        elif kind == "delay":
            options["delay"] = round(self.rng.uniform(2, 15), 1)
        self.fakestripe.inject_webhook_fault(kind, count=count, **options)
        self.webhook_faults[kind] += count

    def _switch_webhooks(self):
        index = self.webhook_switches % len(self.stack.web_ports)
        self.webhook_switches += 1
        self.fakestripe.configure(webhook_url=self.stack.webhook_url((index + 1) % 2))

    def pending_faults(self):
        """Faults injected but not used up yet (counted in requests or events)."""
        api = sum(fault["count"] for fault in self.fakestripe.faults())
        webhooks = sum(fault["count"] for fault in self.fakestripe.webhook_faults())
        return api, webhooks

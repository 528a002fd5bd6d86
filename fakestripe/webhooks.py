"""Stripe-style webhook signing and a single background delivery thread."""

import hashlib
import heapq
import hmac
import itertools
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from fakekit.control import ControlRequestError
from fakekit.faults import FaultQueue

from . import versions
from .faults import WebhookFault

DEFAULT_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 16, 32)
DELIVERY_TIMEOUT_SECONDS = 10


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header value, computed exactly as Stripe does."""
    signed = f"{timestamp}.".encode() + payload
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Stripe treats a 3xx answer as a failed delivery; never follow it.
    def redirect_request(self, *args, **kwargs):
        return None


# Ignore any *_proxy environment variables: deliveries always go to the local app.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


@dataclass
class _PendingDelivery:
    event_id: str
    event_type: str
    payload: bytes
    attempt: int
    generation: int


class WebhookDispatcher:
    """Delivers queued events in order of due time; failed attempts are rescheduled.

    One thread does all deliveries, so a slow receiver delays later events but
    never the API responses that produced them.
    """

    def __init__(self, url=None, secret="", retry_delays=DEFAULT_RETRY_DELAYS, api_version=None):
        self.url = url
        self.secret = secret
        self.api_version = (
            api_version  # the endpoint's (fakestripe/versions.py); None: the account's
        )
        self.retry_delays = tuple(retry_delays)
        self._condition = threading.Condition()
        self._queue: list = []  # heap of (due_time, sequence, _PendingDelivery)
        self._sequence = itertools.count()
        self._attempts: list[dict] = []
        self._generation = 0  # bumped by reset() so in-flight attempts are forgotten
        self._in_flight = 0
        self._held: list[_PendingDelivery] = []  # by "hold" faults, oldest first
        self.faults = FaultQueue()  # of WebhookFault
        self._stopping = False
        self._thread = None

    def start(self):
        with self._condition:
            self._start_thread()

    def _start_thread(self):
        self._thread = threading.Thread(target=self._run, name="fakestripe-webhooks", daemon=True)
        self._thread.start()

    def stop(self):
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout=1)  # daemon thread; don't wait out a slow receiver

    def configure(self, url=..., secret=..., retry_delays=..., api_version=...):
        with self._condition:
            if url is not ...:
                self.url = url or None
            if secret is not ...:
                self.secret = secret
            if retry_delays is not ...:
                self.retry_delays = tuple(float(d) for d in retry_delays)
            if api_version is not ...:
                self.api_version = versions.endpoint_version(api_version)

    def settings(self) -> dict:
        with self._condition:
            return {
                "webhook_url": self.url,
                "webhook_secret": self.secret,
                "webhook_retry_delays": list(self.retry_delays),
                "webhook_api_version": self.api_version,
            }

    def endpoint_count(self) -> int:
        return 1 if self.url else 0

    def publish(self, event: dict, payload: bytes):
        """Queue an event for delivery, if a webhook URL is configured.

        Webhook faults are only used up by events that would be delivered.
        """
        with self._condition:
            if not self.url:
                return
            delivery = _PendingDelivery(event["id"], event["type"], payload, 1, self._generation)
            fault: WebhookFault | None = self.faults.take(event["type"])
            now = time.monotonic()
            if fault is None:
                self._schedule(delivery, due=now)
            elif fault.kind == "duplicate":
                for _ in range(fault.times):  # each copy retries on its own
                    self._schedule(_PendingDelivery(**vars(delivery)), due=now)
            elif fault.kind == "delay":
                self._schedule(delivery, due=now + fault.delay)
            elif fault.kind == "hold":
                self._held.append(delivery)
            # "drop": the event stays in /v1/events but is never sent

    def held_event_ids(self) -> list[str]:
        with self._condition:
            return [delivery.event_id for delivery in self._held]

    def release_held(self, order: list[str] | None = None) -> list[str]:
        """Deliver held events newest first, or those listed in order (others stay held)."""
        with self._condition:
            if order is None:
                released = list(reversed(self._held))
            else:
                by_id = {delivery.event_id: delivery for delivery in self._held}
                unknown = [event_id for event_id in order if event_id not in by_id]
                if unknown or len(set(order)) != len(order):
                    raise ControlRequestError(
                        f"order must list distinct held event ids; "
                        f"not held: {unknown}, held: {list(by_id)}"
                    )
                released = [by_id[event_id] for event_id in order]
            now = time.monotonic()
            for delivery in released:  # equal due times go out in scheduling order
                self._held.remove(delivery)
                self._schedule(delivery, due=now)
            return [delivery.event_id for delivery in released]

    def reset(self):
        with self._condition:
            self._queue.clear()
            self._attempts.clear()
            self._held.clear()
            self.faults.clear()
            self.api_version = None  # the account's again
            self._generation += 1
            if self._in_flight:
                # An attempt of the old generation may hang on a receiver that never answers
                # (up to the delivery timeout): give new deliveries a thread of their own.
                self._in_flight = 0
                self._start_thread()

    def attempts(self) -> list[dict]:
        with self._condition:
            return [dict(attempt) for attempt in self._attempts]

    def pending_count(self) -> int:
        with self._condition:
            return len(self._queue) + self._in_flight

    def _schedule(self, delivery, due):
        heapq.heappush(self._queue, (due, next(self._sequence), delivery))
        self._condition.notify_all()

    def _next_due_delivery(self, thread):
        """Block until a delivery is due; None when stopping or replaced by reset()."""
        with self._condition:
            while not self._stopping and self._thread is thread:
                if self._queue:
                    wait = self._queue[0][0] - time.monotonic()
                    if wait <= 0:
                        self._in_flight += 1
                        return heapq.heappop(self._queue)[2], self.url, self.secret
                    self._condition.wait(wait)
                else:
                    self._condition.wait()
            return None

    def _run(self):
        thread = threading.current_thread()
        while (due := self._next_due_delivery(thread)) is not None:
            delivery, url, secret = due
            status, error = self._post(delivery, url, secret) if url else (None, "no webhook URL")
            with self._condition:
                if delivery.generation != self._generation:
                    continue  # reset() happened meanwhile: forget this attempt
                self._in_flight -= 1
                if url:
                    self._record_and_maybe_retry(delivery, url, status, error)

    def _post(self, delivery: _PendingDelivery, url: str, secret: str):
        """One delivery attempt; returns (HTTP status or None, error text or None)."""
        timestamp = int(time.time())  # fresh signature on every attempt, like Stripe
        request = urllib.request.Request(
            url,
            data=delivery.payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign_payload(delivery.payload, secret, timestamp),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        try:
            with _opener.open(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:
                return response.status, None
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, None
        except (OSError, ValueError) as exc:  # connection refused, timeout, bad URL
            return None, f"{type(exc).__name__}: {exc}"

    def _record_and_maybe_retry(self, delivery: _PendingDelivery, url, status, error):
        succeeded = status is not None and 200 <= status < 300
        self._attempts.append(
            {
                "event_id": delivery.event_id,
                "event_type": delivery.event_type,
                "attempt": delivery.attempt,
                "url": url,
                "status": status,
                "error": error,
                "succeeded": succeeded,
                "at": time.time(),
            }
        )
        if not succeeded and delivery.attempt <= len(self.retry_delays):
            delay = self.retry_delays[delivery.attempt - 1]
            delivery.attempt += 1
            self._schedule(delivery, due=time.monotonic() + delay)

"""Scripted failures: for the next N matching API requests or webhook events."""

import re
import threading
from dataclasses import dataclass

from .errors import ControlRequestError

API_FAULT_KINDS = ("500", "429", "timeout", "lost_response")
WEBHOOK_FAULT_KINDS = ("duplicate", "delay", "drop", "hold")
DEFAULT_TIMEOUT_DELAY = 30.0
DEFAULT_DUPLICATE_TIMES = 3


@dataclass
class ApiFault:
    kind: str
    count: int
    method: str | None = None
    path: str | None = None  # regex, searched in the request path
    delay: float | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or re.search(self.path, path) is not None
        )


@dataclass
class WebhookFault:
    kind: str
    count: int
    event_type: str | None = None
    delay: float | None = None
    times: int | None = None

    def matches(self, event_type: str) -> bool:
        return self.event_type is None or self.event_type == event_type


class FaultQueue:
    """Faults in the order they were added; each applies to ``count`` matches, then is gone."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list = []

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)

    def take(self, *subject):
        """The first fault matching subject (used up by one), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(*subject):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [dict(vars(fault)) for fault in self._faults]

    def clear(self):
        with self._lock:
            self._faults.clear()


def parse_api_fault(spec: dict) -> ApiFault:
    _check_keys(spec, {"kind", "count", "method", "path", "delay"})
    kind = _kind(spec, API_FAULT_KINDS)
    method = spec.get("method")
    if method is not None:
        method = str(method).upper()
    path = spec.get("path")
    if path is not None:
        try:
            re.compile(path)
        except (re.error, TypeError) as exc:
            raise ControlRequestError(f"path is not a valid regular expression: {exc}") from None
    delay = _number(spec, "delay")
    if kind == "timeout" and delay is None:
        delay = DEFAULT_TIMEOUT_DELAY
    return ApiFault(kind, _count(spec), method, path, delay)


def parse_webhook_fault(spec: dict) -> WebhookFault:
    _check_keys(spec, {"kind", "count", "event_type", "delay", "times"})
    kind = _kind(spec, WEBHOOK_FAULT_KINDS)
    delay = _number(spec, "delay")
    if kind == "delay" and delay is None:
        raise ControlRequestError("a delay fault needs delay (seconds)")
    times = spec.get("times")
    if kind == "duplicate":
        times = DEFAULT_DUPLICATE_TIMES if times is None else _positive_int(times, "times")
    return WebhookFault(kind, _count(spec), spec.get("event_type"), delay, times)


def _check_keys(spec: dict, allowed: set):
    if not isinstance(spec, dict):
        raise ControlRequestError("expected a JSON object")
    unknown = set(spec) - allowed
    if unknown:
        raise ControlRequestError(f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")


def _kind(spec: dict, kinds: tuple) -> str:
    kind = str(spec.get("kind"))
    if kind not in kinds:
        raise ControlRequestError(f"kind must be one of {list(kinds)}, not {spec.get('kind')!r}")
    return kind


def _count(spec: dict) -> int:
    return _positive_int(spec.get("count", 1), "count")


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ControlRequestError(f"{name} must be a positive integer, not {value!r}")
    return value


def _number(spec: dict, name: str) -> float | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ControlRequestError(f"{name} must be a non-negative number of seconds, not {value!r}")
    return float(value)

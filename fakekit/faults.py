"""Scripted failures for the next N requests (or other subjects) that match.

Request fault kinds: "500" and "429" answer with the emulated service's own error shape;
"timeout" answers only after ``delay`` seconds (default 30), doing the work after the wait;
"lost_response" does the work, then closes the connection without answering.
"""

import re
import threading
from dataclasses import dataclass

from .control import ControlRequestError

REQUEST_FAULT_KINDS = ("500", "429", "timeout", "lost_response")
DEFAULT_TIMEOUT_DELAY = 30.0


@dataclass
class RequestFault:
    kind: str
    count: int
    method: str | None = None
    path: str | None = None  # regex, searched in the request path
    delay: float | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or re.search(self.path, path) is not None
        )


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


class ResetSignal:
    """Lets a reset abandon the requests sleeping through a "timeout" fault."""

    def __init__(self):
        self._event = threading.Event()

    def wait(self, seconds: float | None) -> bool:
        """Sleep up to seconds; True when a reset came meanwhile."""
        return self._event.wait(seconds)

    def fire(self):
        """Wake every sleeper; later sleepers wait for the next reset."""
        sleeping_requests, self._event = self._event, threading.Event()
        sleeping_requests.set()


def parse_request_fault(spec: dict, extra_kinds: tuple = ()) -> RequestFault:
    """A request fault from its JSON spec; an emulator may take `extra_kinds` of its own
    (fakeproviders: "503" and VIES's error codes)."""
    check_keys(spec, {"kind", "count", "method", "path", "delay"})
    kind = parse_kind(spec, REQUEST_FAULT_KINDS + tuple(extra_kinds))
    method = spec.get("method")
    if method is not None:
        method = str(method).upper()
    path = spec.get("path")
    if path is not None:
        try:
            re.compile(path)
        except (re.error, TypeError) as exc:
            raise ControlRequestError(f"path is not a valid regular expression: {exc}") from None
    delay = parse_seconds(spec, "delay")
    if kind == "timeout" and delay is None:
        delay = DEFAULT_TIMEOUT_DELAY
    return RequestFault(kind, parse_count(spec), method, path, delay)


def check_keys(spec: dict, allowed: set):
    if not isinstance(spec, dict):
        raise ControlRequestError("expected a JSON object")
    unknown = set(spec) - allowed
    if unknown:
        raise ControlRequestError(f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")


def parse_kind(spec: dict, kinds: tuple) -> str:
    kind = str(spec.get("kind"))
    if kind not in kinds:
        raise ControlRequestError(f"kind must be one of {list(kinds)}, not {spec.get('kind')!r}")
    return kind


def parse_count(spec: dict) -> int:
    return positive_int(spec.get("count", 1), "count")


def positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ControlRequestError(f"{name} must be a positive integer, not {value!r}")
    return value


def parse_seconds(spec: dict, name: str) -> float | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ControlRequestError(f"{name} must be a non-negative number of seconds, not {value!r}")
    return float(value)

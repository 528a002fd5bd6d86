"""Scripted failures for the next N provider requests matching a method and a path regex.

Kinds (as fakestripe's): "500" and "429" answer with the provider's own error shape;
"timeout" answers only after ``delay`` seconds (default 30), doing the work after the wait;
"lost_response" does the work, then closes the connection without answering.
"""

import re
import threading
from dataclasses import dataclass


class ControlRequestError(ValueError):
    """A /_fakeproviders control request we cannot act on (answered 400)."""


FAULT_KINDS = ("500", "429", "timeout", "lost_response")
DEFAULT_TIMEOUT_DELAY = 30.0


@dataclass
class Fault:
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
        self._faults: list[Fault] = []

    def add(self, fault: Fault):
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request (used up by one), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
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


def parse_fault(spec) -> Fault:
    if not isinstance(spec, dict):
        raise ControlRequestError("expected a JSON object")
    allowed = {"kind", "count", "method", "path", "delay"}
    unknown = set(spec) - allowed
    if unknown:
        raise ControlRequestError(f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
    kind = str(spec.get("kind"))
    if kind not in FAULT_KINDS:
        raise ControlRequestError(
            f"kind must be one of {list(FAULT_KINDS)}, not {spec.get('kind')!r}"
        )
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ControlRequestError(f"count must be a positive integer, not {count!r}")
    method = spec.get("method")
    if method is not None:
        method = str(method).upper()
    path = spec.get("path")
    if path is not None:
        try:
            re.compile(path)
        except (re.error, TypeError) as exc:
            raise ControlRequestError(f"path is not a valid regular expression: {exc}") from None
    delay = spec.get("delay")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0
    ):
        raise ControlRequestError(f"delay must be a non-negative number of seconds, not {delay!r}")
    if kind == "timeout" and delay is None:
        delay = DEFAULT_TIMEOUT_DELAY
    return Fault(kind, count, method, path, None if delay is None else float(delay))

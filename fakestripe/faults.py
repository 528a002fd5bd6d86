"""Scripted webhook failures: for the next N matching events (API faults: fakekit.faults)."""

from dataclasses import dataclass

from fakekit.control import ControlRequestError
from fakekit.faults import check_keys, parse_count, parse_kind, parse_seconds, positive_int

WEBHOOK_FAULT_KINDS = ("duplicate", "delay", "drop", "hold")
DEFAULT_DUPLICATE_TIMES = 3


@dataclass
class WebhookFault:
    kind: str
    count: int
    event_type: str | None = None
    delay: float | None = None
    times: int | None = None

    def matches(self, event_type: str) -> bool:
        return self.event_type is None or self.event_type == event_type


def parse_webhook_fault(spec: dict) -> WebhookFault:
    check_keys(spec, {"kind", "count", "event_type", "delay", "times"})
    kind = parse_kind(spec, WEBHOOK_FAULT_KINDS)
    delay = parse_seconds(spec, "delay")
    if kind == "delay" and delay is None:
        raise ControlRequestError("a delay fault needs delay (seconds)")
    times = spec.get("times")
    if kind == "duplicate":
        times = DEFAULT_DUPLICATE_TIMES if times is None else positive_int(times, "times")
    return WebhookFault(kind, parse_count(spec), spec.get("event_type"), delay, times)

"""HTTP layer: one dispatch point (FakeProvidersApp.handle) for every provider and control."""

import sys
import threading
import traceback
from dataclasses import asdict, fields, replace

from fakekit.control import ControlRequestError, handle_control, json_body
from fakekit.faults import FaultQueue, ResetSignal, parse_request_fault
from fakekit.messages import NO_RESPONSE, Request, Response, json_response
from fakekit.server import EmulatorServer, RequestHandler

from .common import Clock, Config
from .google import GoogleIndexing
from .hmrc import Hmrc
from .indexnow import IndexNow
from .siteverify import SiteVerify
from .twilio import TwilioVerify
from .vies import ERROR_CODES as VIES_ERROR_CODES
from .vies import Vies

# Fault kinds of this emulator beyond fakekit's: a 503, and each VIES refusal (answered
# as VIES's refusal by VIES, as a 500 by the others).
EXTRA_FAULT_KINDS = ("503", *VIES_ERROR_CODES)

SITEVERIFY_PATHS = {
    "/turnstile/v0/siteverify": "turnstile",
    "/hcaptcha/siteverify": "hcaptcha",
    "/recaptcha/api/siteverify": "recaptcha",
}


def print_sms(message: dict):
    print(f"SMS to {message['to']}: {message['body']}", flush=True)


class FakeProvidersApp:
    def __init__(self, config: Config | None = None, on_sms=print_sms):
        self.initial_config = config or Config()
        self.on_sms = on_sms
        self.lock = threading.RLock()  # one lock for all provider state
        self.faults = FaultQueue()
        self._reset_signal = ResetSignal()
        self._new_state()
        self._control_routes = {
            ("GET", "/_fakeproviders/health"): lambda request: {"ok": True},
            ("POST", "/_fakeproviders/reset"): self._reset,
            ("GET", "/_fakeproviders/requests"): lambda request: {"data": self._requests()},
            ("GET", "/_fakeproviders/sms"): self._sms,
            ("GET", "/_fakeproviders/faults"): lambda request: {"data": self.faults.pending()},
            ("POST", "/_fakeproviders/faults"): self._add_fault,
            ("GET", "/_fakeproviders/config"): lambda request: asdict(self.config),
            ("POST", "/_fakeproviders/config"): self._configure,
            ("POST", "/_fakeproviders/clock"): self._advance_clock,
            ("POST", "/_fakeproviders/vies/unavailable"): self._vies_control("make_unavailable"),
            ("POST", "/_fakeproviders/vies/available"): self._vies_control("make_available"),
        }

    def _new_state(self):
        self.config = replace(self.initial_config)
        self.clock = Clock()
        self.siteverify = SiteVerify(self.clock, self.config)
        self.twilio = TwilioVerify(self.clock, self.config, self.on_sms)
        self.google = GoogleIndexing(self.clock, self.config)
        self.indexnow = IndexNow(self.clock, self.config)
        self.vies = Vies(self.clock)
        self.hmrc = Hmrc(self.clock, self.config)
        self.log: list[dict] = []

    def handle(self, request: Request) -> Response:
        """Every HTTP request passes through here."""
        try:
            if request.path.startswith("/_fakeproviders/"):
                return self._handle_control(request)
            provider = self._provider_name(request.path)
            if provider is None:
                return json_response(404, {"error": f"Unknown path {request.path}"})
            return self._handle_provider(provider, request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return json_response(500, {"error": "fakeproviders crashed (see its stderr)."})

    # ---- providers ----------------------------------------------------------------

    def _provider_name(self, path: str) -> str | None:
        if path in SITEVERIFY_PATHS:
            return SITEVERIFY_PATHS[path]
        if TwilioVerify.handles(path):
            return "twilio"
        if GoogleIndexing.handles(path):
            return "google"
        if IndexNow.handles(path):
            return "indexnow"
        if Vies.handles(path):
            return "vies"
        if Hmrc.handles(path):
            return "hmrc"
        return None

    def _handle_provider(self, provider: str, request: Request) -> Response:
        entry = self._record(provider, request)
        fault = self.faults.take(request.method, request.path)
        entry["fault"] = fault and fault.kind
        if fault is not None and fault.kind not in ("timeout", "lost_response"):
            response = self._injected_error(provider, fault.kind, request.path)
        elif fault is not None and fault.kind == "timeout":
            # Wait without the state lock, so other requests go on; a reset abandons us.
            if self._reset_signal.wait(fault.delay):
                return NO_RESPONSE
            response = self._dispatch(provider, request)
        else:
            response = self._dispatch(provider, request)
        entry["status"] = response.status
        if fault is not None and fault.kind == "lost_response":
            return NO_RESPONSE  # the work is done, the answer lost
        entry["answered"] = True
        return response

    def _dispatch(self, provider: str, request: Request) -> Response:
        with self.lock:
            if provider in ("turnstile", "hcaptcha", "recaptcha"):
                return self.siteverify.handle(provider, request)
            return getattr(self, provider).handle(request)

    def _injected_error(self, provider: str, kind: str, path: str) -> Response:
        if provider not in ("vies", "hmrc") and kind not in ("500", "429"):
            kind = "500"  # a 503 or a VIES code asked of another provider
        if provider == "google":
            return self.google.injected_error(kind, path)
        if provider in ("turnstile", "hcaptcha", "recaptcha"):
            return self.siteverify.injected_error(kind)
        return getattr(self, provider).injected_error(kind)

    def _record(self, provider: str, request: Request) -> dict:
        body = None
        if request.is_json():
            try:
                body = request.json()
            except ValueError:
                body = request.body.decode(errors="replace")
        entry = {
            "provider": provider,
            "method": request.method,
            "path": request.path,
            "query": request.query_params(),
            "form": None if request.is_json() else request.form(),
            "json": body,
            "status": None,  # the answer's status; None while the request is in flight
            "fault": None,
            "answered": False,  # False for a lost_response (or one still in flight)
            "at": self.clock.iso(),
        }
        with self.lock:
            self.log.append(entry)
        return entry

    def _requests(self) -> list[dict]:
        with self.lock:
            return [dict(entry, seq=number) for number, entry in enumerate(self.log, 1)]

    # ---- /_fakeproviders control endpoints --------------------------------------

    def _handle_control(self, request: Request) -> Response:
        return handle_control(request, self._control_routes)

    def _reset(self, request: Request) -> dict:
        with self.lock:
            self._new_state()
            self.faults.clear()
            self._reset_signal.fire()
        return {"ok": True}

    def _vies_control(self, action: str):
        def handle(request: Request) -> dict:
            with self.lock:
                return getattr(self.vies, action)(request)

        return handle

    def _sms(self, request: Request) -> dict:
        to = request.query_params().get("to")
        with self.lock:
            messages = [dict(m) for m in self.twilio.messages if to is None or m["to"] == to]
        return {"data": messages}

    def _add_fault(self, request: Request) -> dict:
        self.faults.add(parse_request_fault(json_body(request), EXTRA_FAULT_KINDS))
        return {"data": self.faults.pending()}

    def _configure(self, request: Request) -> dict:
        body = json_body(request)
        known = {field.name: field.type for field in fields(Config)}
        unknown = set(body) - set(known)
        if unknown:
            raise ControlRequestError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
        with self.lock:
            for name, value in body.items():
                expected = int if known[name] in (int, "int") else str
                if isinstance(value, bool) or not isinstance(value, expected):
                    raise ControlRequestError(f"{name} must be {expected.__name__}")
                setattr(self.config, name, value)
            return asdict(self.config)

    def _advance_clock(self, request: Request) -> dict:
        seconds = json_body(request).get("advance_seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlRequestError("advance_seconds must be a number")
        self.clock.advance(seconds)
        return {"now": self.clock.iso(), "offset_seconds": self.clock.offset_seconds}


class _RequestHandler(RequestHandler):
    server_version = "fakeproviders"


class FakeProvidersServer(EmulatorServer):
    handler_class = _RequestHandler

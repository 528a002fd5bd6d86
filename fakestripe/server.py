"""HTTP layer: one dispatch point (FakeStripeApp.handle) for API, hosted page and control."""

import base64
import json
import re
import sys
import threading
import traceback
from urllib.parse import parse_qs, unquote

from fakekit.control import ControlRequestError, handle_control, json_body
from fakekit.faults import FaultQueue, ResetSignal, parse_request_fault
from fakekit.messages import NO_RESPONSE, Request, Response, json_response
from fakekit.server import EmulatorServer, RequestHandler

from . import (
    checkout_hooks,
    coupons,
    customers,
    delayed,
    disputes,
    hosted_page,
    invoice_pages,
    invoices,
    refund_more,
    tax,
    versions,
)
from .api import REFUND_OUTCOMES, Api
from .errors import StripeError, error_body, invalid_param, should_retry
from .event_order import EventOrder
from .faults import parse_webhook_fault
from .forms import FormDecodeError, decode_form
from .inflight import InFlightKeys
from .store import API_VERSION, RequestContext, SavedResponse, Store, new_id
from .webhooks import WebhookDispatcher


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode(), "text/html; charset=utf-8")


def redirect(location: str) -> Response:
    return Response(303, b"", "text/plain", {"Location": location})


_ID = r"(?P<id>[^/]+)"
_API_ROUTES = [
    ("GET", r"/v1/checkout/sessions", lambda api, p: api.list_checkout_sessions(p)),
    ("POST", r"/v1/checkout/sessions", lambda api, p: api.create_checkout_session(p)),
    (
        "GET",
        rf"/v1/checkout/sessions/{_ID}",
        lambda api, p, id: api.retrieve_checkout_session(id, p),
    ),
    (
        "POST",
        rf"/v1/checkout/sessions/{_ID}/expire",
        lambda api, p, id: api.expire_checkout_session(id),
    ),
    ("GET", rf"/v1/payment_intents/{_ID}", lambda api, p, id: api.retrieve_payment_intent(id, p)),
    ("GET", r"/v1/charges", lambda api, p: api.list_charges(p)),
    ("GET", rf"/v1/charges/{_ID}", lambda api, p, id: api.retrieve_charge(id, p)),
    ("POST", r"/v1/refunds", lambda api, p: api.create_refund(p)),
    ("GET", r"/v1/refunds", lambda api, p: api.list_refunds(p)),
    ("GET", rf"/v1/refunds/{_ID}", lambda api, p, id: api.retrieve_refund(id)),
    (
        "GET",
        r"/v1/radar/early_fraud_warnings",
        lambda api, p: refund_more.list_early_fraud_warnings(api, p),
    ),
    (
        "GET",
        rf"/v1/radar/early_fraud_warnings/{_ID}",
        lambda api, p, id: refund_more.retrieve_early_fraud_warning(api, id, p),
    ),
    ("GET", r"/v1/disputes", lambda api, p: disputes.list_disputes(api.store, p)),
    ("GET", rf"/v1/disputes/{_ID}", lambda api, p, id: disputes.retrieve(api.store, id)),
    ("POST", rf"/v1/disputes/{_ID}/close", lambda api, p, id: disputes.accept(api.store, id)),
    ("GET", r"/v1/invoices", lambda api, p: invoices.list_invoices(api, p)),
    ("GET", rf"/v1/invoices/{_ID}", lambda api, p, id: invoices.retrieve(api, id, p)),
    ("POST", r"/v1/coupons", lambda api, p: coupons.create_coupon(api, p)),
    ("GET", r"/v1/coupons", lambda api, p: coupons.list_coupons(api, p)),
    ("GET", rf"/v1/coupons/{_ID}", lambda api, p, id: coupons.retrieve_coupon(api, id)),
    ("POST", r"/v1/promotion_codes", lambda api, p: coupons.create_promotion_code(api, p)),
    ("GET", r"/v1/promotion_codes", lambda api, p: coupons.list_promotion_codes(api, p)),
    (
        "GET",
        rf"/v1/promotion_codes/{_ID}",
        lambda api, p, id: coupons.retrieve_promotion_code(api, id),
    ),
    ("GET", r"/v1/events", lambda api, p: api.list_events(p)),
    # fakestripe.customers: customers and their tax IDs (read by fakestripe.tax)
    ("POST", r"/v1/customers", lambda api, p: customers.create(api, p)),
    ("GET", r"/v1/customers", lambda api, p: customers.list_customers(api, p)),
    ("GET", rf"/v1/customers/{_ID}", lambda api, p, id: customers.retrieve(api, id, p)),
    (
        "GET",
        rf"/v1/customers/{_ID}/tax_ids",
        lambda api, p, id: customers.list_tax_ids(api, id),
    ),
    (
        "POST",
        rf"/v1/customers/{_ID}/tax_ids",
        lambda api, p, id: customers.create_tax_id(api, id, p),
    ),
    ("GET", rf"/v1/events/{_ID}", lambda api, p, id: api.retrieve_event(id)),
]
_API_ROUTES = [(method, re.compile(pattern), handler) for method, pattern, handler in _API_ROUTES]
_CHECKOUT_PAGE = re.compile(r"/checkout/(?P<id>[^/]+)(?P<action>/pay|/cancel|/promotion_code)?/?")
_CHECKOUT_HOOK = re.compile(
    r"/_fakestripe/checkout/(?P<id>[^/]+)/(?P<hook>complete|async_result|promotion_code)"
)
_REFUND_SETTLE = re.compile(r"/_fakestripe/refunds/(?P<id>[^/]+)/settle")
_CHARGE_CONTROL = re.compile(
    r"/_fakestripe/charges/(?P<id>[^/]+)/(?P<what>dashboard_refund|early_fraud_warning)"
)
_INVOICE_FINALIZE = re.compile(r"/_fakestripe/invoices/(?P<id>[^/]+)/finalize")
_DISPUTE_OPEN = re.compile(r"/_fakestripe/charges/(?P<id>[^/]+)/dispute")
_DISPUTE_CONTROL = re.compile(
    r"/_fakestripe/disputes/(?P<id>[^/]+)/(?P<action>respond|escalate|close)"
)
SWEEP_INTERVAL_SECONDS = 1.0
_INJECTED_ERRORS = {
    "500": StripeError(
        500, "An unknown error occurred (injected by fakestripe).", type="api_error"
    ),
    # Real Stripe answers 429 with this type and code; the SDK maps any 429 to RateLimitError.
    "429": StripeError(
        429, "Request rate limit exceeded (injected by fakestripe).", code="rate_limit"
    ),
}


class FakeStripeApp:
    def __init__(
        self,
        webhooks: WebhookDispatcher,
        base_url: str = "",
        event_order: EventOrder | None = None,
    ):
        self.webhooks = webhooks
        self.store = Store(publish_event=self._publish_event, event_order=event_order)
        self.api = Api(self.store, base_url)
        self.api_faults = FaultQueue()
        self.in_flight = InFlightKeys(_authenticate, _api_headers)
        self._reset_signal = ResetSignal()
        self._sweeper_stop = threading.Event()
        self._control_routes = {
            ("GET", "/_fakestripe/health"): lambda request: {"ok": True},
            ("GET", "/_fakestripe/config"): lambda request: self._settings(),
            ("POST", "/_fakestripe/config"): self._configure,
            ("POST", "/_fakestripe/reset"): self._reset,
            ("GET", "/_fakestripe/deliveries"): self._deliveries,
            ("POST", "/_fakestripe/clock"): self._advance_clock,
            ("GET", "/_fakestripe/faults"): self._api_fault_list,
            ("POST", "/_fakestripe/faults"): self._add_api_fault,
            ("GET", "/_fakestripe/webhook_faults"): self._webhook_fault_list,
            ("POST", "/_fakestripe/webhook_faults"): self._add_webhook_fault,
            ("POST", "/_fakestripe/webhooks/release"): self._release_webhooks,
        }

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @base_url.setter
    def base_url(self, value: str):
        self.api.base_url = value

    def handle(self, request: Request) -> Response:
        """Every HTTP request passes through here."""
        try:
            self.sweep()
            if request.path.startswith("/v1/"):
                return self.in_flight.run(request, self._handle_api_with_faults)
            if request.path.startswith("/checkout/"):
                return self._handle_checkout_page(request)
            if request.path.startswith(("/i/", "/receipts/")):
                return self._handle_document_page(request)
            if request.path.startswith("/_fakestripe/"):
                return self._handle_control(request)
            return html_response(404, hosted_page.message_page("Not found", "Page not found."))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return json_response(
                500,
                error_body(
                    "api_error", "fakestripe crashed handling this request (see its stderr)."
                ),
                {**_api_headers(), "Stripe-Should-Retry": "true"},
            )

    def sweep(self):
        """What Stripe does on its own as time passes: expire sessions past expires_at
        (emitting checkout.session.expired) and forget idempotency keys older than 24 h."""
        with self.store.lock:
            self.api.expire_due_sessions()
            self.store.prune_idempotency_keys()
            refund_more.fail_due_refunds(self.api)

    def start_background_sweep(self, interval: float = SWEEP_INTERVAL_SECONDS):
        """Sweep every interval seconds, so sessions expire even when nobody calls."""

        def run():
            while not self._sweeper_stop.wait(interval):
                try:
                    self.sweep()
                except Exception:
                    traceback.print_exc(file=sys.stderr)

        self._sweeper_stop.clear()
        threading.Thread(target=run, name="fakestripe-sweeper", daemon=True).start()

    def stop_background_sweep(self):
        self._sweeper_stop.set()

    def _publish_event(self, event: dict):
        event["pending_webhooks"] = self.webhooks.endpoint_count()
        sent = versions.for_endpoint(event, self.webhooks.api_version)
        self.webhooks.publish(event, json.dumps(sent, indent=2).encode())

    # ---- /v1 API ---------------------------------------------------------------

    def _handle_api_with_faults(self, request: Request) -> Response:
        fault = self.api_faults.take(request.method, request.path)
        if fault is None:
            return self._handle_api(request)
        if fault.kind == "429":
            # Rate limiting happens before any endpoint runs: nothing is saved for the key.
            error = _INJECTED_ERRORS["429"]
            headers = {**_api_headers(), "Stripe-Should-Retry": should_retry(429, False)}
            return json_response(error.status, error.to_json(), headers)
        if fault.kind == "500":
            # The endpoint began executing and failed before doing anything: like Stripe,
            # the 500 is saved for the idempotency key and replayed to every retry with it.
            return self._handle_api(request, injected=_INJECTED_ERRORS["500"])
        if fault.kind == "timeout":
            # Wait without the store lock, so other requests go on; a reset abandons us.
            if self._reset_signal.wait(fault.delay):
                return NO_RESPONSE
            return self._handle_api(request)
        # lost_response: the work is done (and saved for idempotent replay), the answer lost.
        self._handle_api(request)
        return NO_RESPONSE

    def _handle_api(self, request: Request, injected: StripeError | None = None) -> Response:
        """Authenticate, decode, then run the endpoint (or fail with injected) once per
        idempotency key. Like Stripe, the result of any request whose endpoint began
        executing is saved for its key, errors included; requests refused before that
        (authentication, unknown URL, invalid parameters) are not."""
        headers = _api_headers()
        replayable = False
        try:
            api_key = _authenticate(request)
            headers["Stripe-Version"] = versions.requested(request.headers)
            handler, path_args = _match_api_route(request)
            encoded = request.body.decode() if request.method == "POST" else request.query
            try:
                params = decode_form(encoded)
            except (FormDecodeError, UnicodeDecodeError) as exc:
                raise invalid_param(str(exc)) from None
            idempotency_key = None
            if request.method == "POST":
                idempotency_key = request.headers.get("Idempotency-Key") or None

            def run() -> tuple[Response, bool]:
                """(response, whether it may be saved for the idempotency key)"""
                if injected is not None:
                    return json_response(injected.status, injected.to_json()), True
                self.store.current_request = RequestContext(headers["Request-Id"], idempotency_key)
                try:
                    return json_response(200, handler(self.api, params, **path_args)), True
                except StripeError as error:
                    return json_response(error.status, error.to_json()), not error.validation
                finally:
                    self.store.current_request = None

            with self.store.lock:
                if idempotency_key:
                    headers["Idempotency-Key"] = idempotency_key
                    response, replayable = self._replay_or_run(
                        request, (api_key, idempotency_key), params, run, headers["Request-Id"]
                    )
                else:
                    response, _ = run()
        except StripeError as error:
            response = json_response(error.status, error.to_json())
        retry = should_retry(response.status, replayable)
        if retry is not None:
            headers["Stripe-Should-Retry"] = retry
        response.headers = {**headers, **response.headers}
        return response

    def _replay_or_run(
        self, request: Request, cache_key: tuple, params: dict, run, request_id: str
    ) -> tuple[Response, bool]:
        """(response, whether it is saved for the key)"""
        fingerprint = json.dumps(params, sort_keys=True)
        saved = self.store.saved_response(cache_key)
        if saved is not None:
            if (saved.method, saved.path, saved.params_fingerprint) != (
                request.method,
                request.path,
                fingerprint,
            ):
                raise StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same "
                    "parameters they were first used with. Try using a key other than "
                    f"'{cache_key[1]}' if you meant to execute a different request.",
                    type="idempotency_error",
                    validation=True,
                )
            return Response(
                saved.status,
                saved.body,
                "application/json",
                {**saved.headers, "Idempotent-Replayed": "true"},
            ), True
        response, may_save = run()
        if may_save:
            self.store.idempotent_responses[cache_key] = SavedResponse(
                request.method,
                request.path,
                fingerprint,
                response.status,
                response.body,
                saved_at=self.store.now(),
                # A replay names the request that did the work, as Stripe's does.
                headers={"Original-Request": request_id},
            )
        return response, may_save

    # ---- hosted Checkout page ------------------------------------------------

    def _handle_checkout_page(self, request: Request) -> Response:
        match = _CHECKOUT_PAGE.fullmatch(request.path)
        if not match:
            return html_response(404, hosted_page.message_page("Not found", "Page not found."))
        session_id, action = unquote(match["id"]), match["action"]
        expected_method = "POST" if action in ("/pay", "/promotion_code") else "GET"
        if request.method != expected_method:
            return html_response(
                405,
                hosted_page.message_page(
                    "Method not allowed", f"Use {expected_method} for this page."
                ),
            )
        with self.store.lock:
            try:
                session = self.api.get_session(session_id)
            except StripeError:
                return html_response(
                    404,
                    hosted_page.message_page(
                        "Checkout session not found", "This checkout session does not exist."
                    ),
                )
            line_items = self.store.session_details[session_id].line_items
            if action == "/cancel":
                return redirect(session["cancel_url"])
            if action is None:
                return html_response(
                    200,
                    hosted_page.checkout_page(
                        session, line_items, tax_view=tax.page(self.api, session)
                    ),
                )
            form = parse_qs(request.body.decode(errors="replace"))
            if action == "/promotion_code":
                try:
                    coupons.apply_code(self.api, session, form.get("code", [""])[0])
                except StripeError as error:
                    return html_response(
                        400,
                        hosted_page.checkout_page(
                            session,
                            line_items,
                            code_error=error.message,
                            tax_view=tax.page(self.api, session),
                        ),
                    )
                return redirect(f"/checkout/{session_id}")
            card_number = form.get("card_number", [""])[0]
            method = form.get("payment_method", [delayed.CARD])[0]
            try:
                tax.collect(self.api, session, {k: v[0] for k, v in form.items()})
                if method != delayed.CARD:
                    delayed.pay_delayed(self.api, session, method)
                else:
                    self.api.pay_checkout_session(session_id, card_number)
            except StripeError as error:
                if error.type not in ("card_error", "validation_error"):  # the form's
                    return html_response(
                        error.status,
                        hosted_page.message_page("Payment not possible", error.message),
                    )
                return html_response(
                    error.status,
                    hosted_page.checkout_page(
                        session,
                        line_items,
                        error_message=error.message,
                        tax_view=tax.page(self.api, session),
                    ),
                )
            return redirect(hosted_page.success_redirect_url(session))

    def _handle_document_page(self, request: Request) -> Response:
        """A hosted invoice, its PDF (an HTML stand-in) or a charge's receipt
        (fakestripe.invoice_pages)."""
        if request.method != "GET":
            return html_response(405, hosted_page.message_page("Method not allowed", "Use GET."))
        with self.store.lock:
            status, title, body = invoice_pages.page(self.api, request.path)
        return html_response(status, hosted_page.document_page(title, body))

    # ---- /_fakestripe control endpoints ---------------------------------------

    def _handle_control(self, request: Request) -> Response:
        try:
            return handle_control(request, self._control_routes, self._find_control_route)
        except StripeError as error:
            return json_response(error.status, error.to_json())

    def _find_control_route(self, method: str, path: str):
        if method != "POST":
            return None
        charge = _CHARGE_CONTROL.fullmatch(path)
        if charge:
            return lambda request: self._charge_control(
                charge["what"], unquote(charge["id"]), json_body(request)
            )
        dispute = _DISPUTE_OPEN.fullmatch(path) or _DISPUTE_CONTROL.fullmatch(path)
        if dispute:
            return lambda request: self._dispute_control(dispute, json_body(request))
        finalize = _INVOICE_FINALIZE.fullmatch(path)
        if finalize:
            return lambda request: self._finalize_invoice(unquote(finalize["id"]), request)
        settle = _REFUND_SETTLE.fullmatch(path)
        if settle:
            return lambda request: self._settle_refund(unquote(settle["id"]), json_body(request))
        hook = _CHECKOUT_HOOK.fullmatch(path)
        if not hook:
            return None
        return lambda request: self._run_checkout_hook(
            unquote(hook["id"]), hook["hook"], json_body(request)
        )

    def _dispute_control(self, match, body: dict) -> dict:
        """fakestripe.disputes: open a dispute on a charge, respond, escalate, close."""
        object_id, action = unquote(match["id"]), match.groupdict().get("action")
        with self.store.lock:
            if action is None:
                return disputes.open_dispute(self.store, object_id, body)
            if action == "close":
                return disputes.close(self.store, object_id, body)
            return getattr(disputes, action)(self.store, object_id)

    def _finalize_invoice(self, invoice_id: str, request: Request) -> dict:
        with self.store.lock:
            return invoices.finalize_control(self.api, invoice_id, json_body(request))

    def _settings(self) -> dict:
        with self.store.lock:
            return {
                **self.webhooks.settings(),
                "refund_outcome": self.store.refund_outcome,
                "invoice_finalization": self.store.invoice_finalization,
                **self.store.event_order.settings(),
            }

    def _configure(self, request: Request) -> dict:
        """Webhook settings, refund_outcome (the status new refunds get),
        invoice_finalization ("at_once", or "held" until finalized by control) and
        event_order / event_seed (how each operation's events are ordered for delivery); a
        reset puts back "succeeded", "at_once" and the order and seed fakestripe was
        started with."""
        body = json_body(request)
        if "refund_outcome" in body:
            if body["refund_outcome"] not in REFUND_OUTCOMES:
                raise ControlRequestError(
                    f"refund_outcome must be one of {list(REFUND_OUTCOMES)}, "
                    f"not {body['refund_outcome']!r}"
                )
            with self.store.lock:
                self.store.refund_outcome = body["refund_outcome"]
        if "invoice_finalization" in body:
            if body["invoice_finalization"] not in invoices.FINALIZATIONS:
                raise ControlRequestError(
                    f"invoice_finalization must be one of {list(invoices.FINALIZATIONS)}, "
                    f"not {body['invoice_finalization']!r}"
                )
            with self.store.lock:
                self.store.invoice_finalization = body["invoice_finalization"]
        if "event_order" in body or "event_seed" in body:
            with self.store.lock:
                try:
                    self.store.event_order.configure(
                        seed=body.get("event_seed"), mode=body.get("event_order")
                    )
                except ValueError as exc:
                    raise ControlRequestError(str(exc)) from None
        self.webhooks.configure(
            **{
                name: body[key]
                for name, key in (
                    ("url", "webhook_url"),
                    ("secret", "webhook_secret"),
                    ("retry_delays", "webhook_retry_delays"),
                    ("api_version", "webhook_api_version"),
                )
                if key in body
            }
        )
        return self._settings()

    def _settle_refund(self, refund_id: str, body: dict) -> dict:
        unknown = set(body) - {"status", "failure_reason"}
        if unknown:
            raise ControlRequestError(f"unknown fields {sorted(unknown)}")
        with self.store.lock:
            return self.api.settle_refund(refund_id, body.get("status"), body.get("failure_reason"))

    def _charge_control(self, what: str, charge_id: str, body: dict) -> dict:
        run = {
            "dashboard_refund": refund_more.dashboard_refund,
            "early_fraud_warning": refund_more.create_early_fraud_warning,
        }[what]
        with self.store.lock:
            return run(self.api, charge_id, body)

    def _reset(self, request: Request) -> dict:
        with self.store.lock:
            self.store.reset()
            self.webhooks.reset()
            self.api_faults.clear()
            self._reset_signal.fire()
        return {"ok": True}

    def _deliveries(self, request: Request) -> dict:
        return {
            "data": self.webhooks.attempts(),
            "pending": self.webhooks.pending_count(),
            "held": self.webhooks.held_event_ids(),
        }

    def _advance_clock(self, request: Request) -> dict:
        """Move the clock; what falls due meanwhile happens at once (sessions expire,
        idempotency keys are forgotten)."""
        seconds = json_body(request).get("advance_seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise ControlRequestError(
                f"advance_seconds must be a non-negative integer, not {seconds!r}"
            )
        with self.store.lock:
            self.store.clock_offset_seconds += seconds
            expired = self.api.expire_due_sessions()
            self.store.prune_idempotency_keys()
            return {
                "now": self.store.now(),
                "offset_seconds": self.store.clock_offset_seconds,
                "expired_sessions": expired,
            }

    def _api_fault_list(self, request: Request) -> dict:
        return {"data": self.api_faults.pending()}

    def _add_api_fault(self, request: Request) -> dict:
        self.api_faults.add(parse_request_fault(json_body(request)))
        return self._api_fault_list(request)

    def _webhook_fault_list(self, request: Request) -> dict:
        return {"data": self.webhooks.faults.pending(), "held": self.webhooks.held_event_ids()}

    def _add_webhook_fault(self, request: Request) -> dict:
        self.webhooks.faults.add(parse_webhook_fault(json_body(request)))
        return self._webhook_fault_list(request)

    def _release_webhooks(self, request: Request) -> dict:
        order = json_body(request).get("order")
        if order is not None and not isinstance(order, list):
            raise ControlRequestError("order must be a list of held event ids")
        return {"released": self.webhooks.release_held(order)}

    def _run_checkout_hook(self, session_id: str, hook: str, body: dict) -> dict:
        with self.store.lock:
            if hook == "promotion_code":
                return coupons.apply_code(
                    self.api, self.api.get_session(session_id), body.get("code")
                )
            if hook == "complete":
                return checkout_hooks.complete_session(
                    self.api,
                    session_id,
                    body.get("payment_status", "paid"),
                    force=bool(body.get("force", False)),
                    amount_total=body.get("amount_total"),
                    billing_country=body.get("billing_country"),
                )
            if not isinstance(body.get("succeeded"), bool):
                raise ControlRequestError('async_result needs {"succeeded": true|false}')
            if delayed.pending_charge(self.api, self.api.get_session(session_id)):
                return delayed.settle(self.api, session_id, body["succeeded"])  # hosted page
            return checkout_hooks.settle_async_payment(self.api, session_id, body["succeeded"])


def _api_headers() -> dict:
    return {"Request-Id": new_id("req_", 14), "Stripe-Version": API_VERSION}


def _authenticate(request: Request) -> str:
    authorization = request.headers.get("Authorization") or ""
    scheme, _, credentials = authorization.partition(" ")
    key = ""
    if scheme.lower() == "bearer":
        key = credentials.strip()
    elif scheme.lower() == "basic":  # curl -u sk_test_...:
        key = base64.b64decode(credentials).decode(errors="replace").partition(":")[0]
    if not key:
        raise StripeError(
            401,
            "You did not provide an API key. You need to provide your API "
            "key in the Authorization header, using Bearer auth (e.g. "
            "'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    if not key.startswith("sk_test_"):
        masked = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else key
        raise StripeError(401, f"Invalid API Key provided: {masked}")
    return key


def _match_api_route(request: Request):
    for method, pattern, handler in _API_ROUTES:
        match = pattern.fullmatch(request.path)
        if match and method == request.method:
            return handler, {name: unquote(value) for name, value in match.groupdict().items()}
    raise StripeError(404, f"Unrecognized request URL ({request.method}: {request.path}).")


class _RequestHandler(RequestHandler):
    server_version = "fakestripe"

    def do_DELETE(self):
        self._serve()


class FakeStripeServer(EmulatorServer):
    handler_class = _RequestHandler

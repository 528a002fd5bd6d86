"""HTTP layer: one dispatch point (FakeStripeApp.handle) for API, hosted page and control."""

import base64
import json
import re
import sys
import traceback
from urllib.parse import parse_qs, unquote

from fakekit.control import ControlRequestError, handle_control, json_body
from fakekit.faults import FaultQueue, ResetSignal, parse_request_fault
from fakekit.messages import NO_RESPONSE, Request, Response, json_response
from fakekit.server import EmulatorServer, RequestHandler

from . import checkout_hooks, hosted_page
from .api import Api
from .errors import StripeError, invalid_request
from .faults import parse_webhook_fault
from .forms import FormDecodeError, decode_form
from .store import API_VERSION, SavedResponse, Store, new_id
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
    ("GET", rf"/v1/charges/{_ID}", lambda api, p, id: api.retrieve_charge(id)),
    ("POST", r"/v1/refunds", lambda api, p: api.create_refund(p)),
    ("GET", r"/v1/refunds", lambda api, p: api.list_refunds(p)),
    ("GET", rf"/v1/refunds/{_ID}", lambda api, p, id: api.retrieve_refund(id)),
    ("GET", r"/v1/events", lambda api, p: api.list_events(p)),
    ("GET", rf"/v1/events/{_ID}", lambda api, p, id: api.retrieve_event(id)),
]
_API_ROUTES = [(method, re.compile(pattern), handler) for method, pattern, handler in _API_ROUTES]
_CHECKOUT_PAGE = re.compile(r"/checkout/(?P<id>[^/]+)(?P<action>/pay|/cancel)?/?")
_CHECKOUT_HOOK = re.compile(r"/_fakestripe/checkout/(?P<id>[^/]+)/(?P<hook>complete|async_result)")
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
    def __init__(self, webhooks: WebhookDispatcher, base_url: str = ""):
        self.webhooks = webhooks
        self.store = Store(publish_event=self._publish_event)
        self.api = Api(self.store, base_url)
        self.api_faults = FaultQueue()
        self._reset_signal = ResetSignal()
        self._control_routes = {
            ("GET", "/_fakestripe/health"): lambda request: {"ok": True},
            ("GET", "/_fakestripe/config"): lambda request: self.webhooks.settings(),
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
            if request.path.startswith("/v1/"):
                return self._handle_api_with_faults(request)
            if request.path.startswith("/checkout/"):
                return self._handle_checkout_page(request)
            if request.path.startswith("/_fakestripe/"):
                return self._handle_control(request)
            return html_response(404, hosted_page.message_page("Not found", "Page not found."))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return json_response(
                500,
                {
                    "error": {
                        "type": "api_error",
                        "code": None,
                        "param": None,
                        "message": "fakestripe crashed handling this request (see its stderr).",
                    }
                },
            )

    def _publish_event(self, event: dict):
        event["pending_webhooks"] = self.webhooks.endpoint_count()
        self.webhooks.publish(event, json.dumps(event, indent=2).encode())

    # ---- /v1 API ---------------------------------------------------------------

    def _handle_api_with_faults(self, request: Request) -> Response:
        fault = self.api_faults.take(request.method, request.path)
        if fault is None:
            return self._handle_api(request)
        if fault.kind in _INJECTED_ERRORS:
            error = _INJECTED_ERRORS[fault.kind]
            return json_response(error.status, error.to_json(), _api_headers())
        if fault.kind == "timeout":
            # Wait without the store lock, so other requests go on; a reset abandons us.
            if self._reset_signal.wait(fault.delay):
                return NO_RESPONSE
            return self._handle_api(request)
        # lost_response: the work is done (and saved for idempotent replay), the answer lost.
        self._handle_api(request)
        return NO_RESPONSE

    def _handle_api(self, request: Request) -> Response:
        headers = _api_headers()
        try:
            api_key = _authenticate(request)
            handler, path_args = _match_api_route(request)
            encoded = request.body.decode() if request.method == "POST" else request.query
            try:
                params = decode_form(encoded)
            except (FormDecodeError, UnicodeDecodeError) as exc:
                raise invalid_request(str(exc)) from None

            def run() -> Response:
                try:
                    return json_response(200, handler(self.api, params, **path_args))
                except StripeError as error:
                    return json_response(error.status, error.to_json())

            idempotency_key = request.headers.get("Idempotency-Key")
            with self.store.lock:
                if request.method == "POST" and idempotency_key:
                    headers["Idempotency-Key"] = idempotency_key
                    response = self._replay_or_run(request, (api_key, idempotency_key), params, run)
                else:
                    response = run()
        except StripeError as error:
            response = json_response(error.status, error.to_json())
        response.headers.update(headers)
        return response

    def _replay_or_run(self, request: Request, cache_key: tuple, params: dict, run) -> Response:
        fingerprint = json.dumps(params, sort_keys=True)
        saved = self.store.idempotent_responses.get(cache_key)
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
                )
            return Response(
                saved.status, saved.body, "application/json", {"Idempotent-Replayed": "true"}
            )
        response = run()
        # Like Stripe, a request rejected by validation (400) leaves nothing to replay.
        if response.status not in (400, 401) and response.status < 500:
            self.store.idempotent_responses[cache_key] = SavedResponse(
                request.method, request.path, fingerprint, response.status, response.body
            )
        return response

    # ---- hosted Checkout page ------------------------------------------------

    def _handle_checkout_page(self, request: Request) -> Response:
        match = _CHECKOUT_PAGE.fullmatch(request.path)
        if not match:
            return html_response(404, hosted_page.message_page("Not found", "Page not found."))
        session_id, action = unquote(match["id"]), match["action"]
        expected_method = "POST" if action == "/pay" else "GET"
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
                return html_response(200, hosted_page.checkout_page(session, line_items))
            form = parse_qs(request.body.decode(errors="replace"))
            card_number = form.get("card_number", [""])[0]
            try:
                self.api.pay_checkout_session(session_id, card_number)
            except StripeError as error:
                if error.type != "card_error":
                    return html_response(
                        error.status,
                        hosted_page.message_page("Payment not possible", error.message),
                    )
                return html_response(
                    error.status,
                    hosted_page.checkout_page(session, line_items, error_message=error.message),
                )
            return redirect(hosted_page.success_redirect_url(session))

    # ---- /_fakestripe control endpoints ---------------------------------------

    def _handle_control(self, request: Request) -> Response:
        try:
            return handle_control(request, self._control_routes, self._checkout_hook_route)
        except StripeError as error:
            return json_response(error.status, error.to_json())

    def _checkout_hook_route(self, method: str, path: str):
        hook = _CHECKOUT_HOOK.fullmatch(path)
        if not hook or method != "POST":
            return None
        return lambda request: self._run_checkout_hook(
            unquote(hook["id"]), hook["hook"], json_body(request)
        )

    def _configure(self, request: Request) -> dict:
        body = json_body(request)
        self.webhooks.configure(
            **{
                name: body[key]
                for name, key in (
                    ("url", "webhook_url"),
                    ("secret", "webhook_secret"),
                    ("retry_delays", "webhook_retry_delays"),
                )
                if key in body
            }
        )
        return self.webhooks.settings()

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
        seconds = int(json_body(request).get("advance_seconds", 0))
        with self.store.lock:
            self.store.clock_offset_seconds += seconds
            return {"now": self.store.now(), "offset_seconds": self.store.clock_offset_seconds}

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
            if hook == "complete":
                return checkout_hooks.complete_session(
                    self.api,
                    session_id,
                    body.get("payment_status", "paid"),
                    force=bool(body.get("force", False)),
                    amount_total=body.get("amount_total"),
                )
            if not isinstance(body.get("succeeded"), bool):
                raise ControlRequestError('async_result needs {"succeeded": true|false}')
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

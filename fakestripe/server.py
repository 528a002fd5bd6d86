"""HTTP layer: one dispatch point (FakeStripeApp.handle) for API, hosted page and control."""

import base64
import json
import re
import sys
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import hosted_page
from .api import Api
from .errors import StripeError, invalid_request
from .forms import FormDecodeError, decode_form
from .store import API_VERSION, SavedResponse, Store, new_id
from .webhooks import WebhookDispatcher


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: object  # case-insensitive mapping (email.message.Message)
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def json_response(status: int, data, headers: dict | None = None) -> Response:
    body = json.dumps(data, indent=2).encode()
    return Response(status, body, "application/json", headers or {})


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode(), "text/html; charset=utf-8")


def redirect(location: str) -> Response:
    return Response(303, b"", "text/plain", {"Location": location})


_ID = r"(?P<id>[^/]+)"
_API_ROUTES = [
    ("GET", r"/v1/checkout/sessions", lambda api, p: api.list_checkout_sessions(p)),
    ("POST", r"/v1/checkout/sessions", lambda api, p: api.create_checkout_session(p)),
    ("GET", rf"/v1/checkout/sessions/{_ID}",
     lambda api, p, id: api.retrieve_checkout_session(id, p)),
    ("POST", rf"/v1/checkout/sessions/{_ID}/expire",
     lambda api, p, id: api.expire_checkout_session(id)),
    ("GET", rf"/v1/payment_intents/{_ID}", lambda api, p, id: api.retrieve_payment_intent(id, p)),
    ("GET", rf"/v1/charges/{_ID}", lambda api, p, id: api.retrieve_charge(id)),
    ("POST", r"/v1/refunds", lambda api, p: api.create_refund(p)),
    ("GET", rf"/v1/refunds/{_ID}", lambda api, p, id: api.retrieve_refund(id)),
    ("GET", r"/v1/events", lambda api, p: api.list_events(p)),
    ("GET", rf"/v1/events/{_ID}", lambda api, p, id: api.retrieve_event(id)),
]
_API_ROUTES = [(method, re.compile(pattern), handler) for method, pattern, handler in _API_ROUTES]
_CHECKOUT_PAGE = re.compile(r"/checkout/(?P<id>[^/]+)(?P<action>/pay|/cancel)?/?")


class FakeStripeApp:
    def __init__(self, webhooks: WebhookDispatcher, base_url: str = ""):
        self.webhooks = webhooks
        self.store = Store(publish_event=self._publish_event)
        self.api = Api(self.store, base_url)

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @base_url.setter
    def base_url(self, value: str):
        self.api.base_url = value

    def handle(self, request: Request) -> Response:
        """Every HTTP request passes through here (the place to add fault injection)."""
        try:
            if request.path.startswith("/v1/"):
                return self._handle_api(request)
            if request.path.startswith("/checkout/"):
                return self._handle_checkout_page(request)
            if request.path.startswith("/_fakestripe/"):
                return self._handle_control(request)
            return html_response(404, hosted_page.message_page("Not found", "Page not found."))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return json_response(500, {"error": {
                "type": "api_error", "code": None, "param": None,
                "message": "fakestripe crashed handling this request (see its stderr)."}})

    def _publish_event(self, event: dict):
        event["pending_webhooks"] = self.webhooks.endpoint_count()
        self.webhooks.publish(event, json.dumps(event, indent=2).encode())

    # ---- /v1 API ---------------------------------------------------------------

    def _handle_api(self, request: Request) -> Response:
        headers = {"Request-Id": new_id("req_", 14), "Stripe-Version": API_VERSION}
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
                    response = self._replay_or_run(request, (api_key, idempotency_key),
                                                   params, run)
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
                    request.method, request.path, fingerprint):
                raise StripeError(
                    400, "Keys for idempotent requests can only be used with the same "
                    "parameters they were first used with. Try using a key other than "
                    f"'{cache_key[1]}' if you meant to execute a different request.",
                    type="idempotency_error")
            return Response(saved.status, saved.body, "application/json",
                            {"Idempotent-Replayed": "true"})
        response = run()
        # Like Stripe, a request rejected by validation (400) leaves nothing to replay.
        if response.status not in (400, 401) and response.status < 500:
            self.store.idempotent_responses[cache_key] = SavedResponse(
                request.method, request.path, fingerprint, response.status, response.body)
        return response

    # ---- hosted Checkout page ------------------------------------------------

    def _handle_checkout_page(self, request: Request) -> Response:
        match = _CHECKOUT_PAGE.fullmatch(request.path)
        if not match:
            return html_response(404, hosted_page.message_page("Not found", "Page not found."))
        session_id, action = unquote(match["id"]), match["action"]
        expected_method = "POST" if action == "/pay" else "GET"
        if request.method != expected_method:
            return html_response(405, hosted_page.message_page(
                "Method not allowed", f"Use {expected_method} for this page."))
        with self.store.lock:
            try:
                session = self.api.get_session(session_id)
            except StripeError:
                return html_response(404, hosted_page.message_page(
                    "Checkout session not found", "This checkout session does not exist."))
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
                    return html_response(error.status, hosted_page.message_page(
                        "Payment not possible", error.message))
                return html_response(error.status, hosted_page.checkout_page(
                    session, line_items, error_message=error.message))
            return redirect(hosted_page.success_redirect_url(session))

    # ---- /_fakestripe control endpoints ---------------------------------------

    def _handle_control(self, request: Request) -> Response:
        route = (request.method, request.path.rstrip("/"))
        if route == ("GET", "/_fakestripe/health"):
            return json_response(200, {"ok": True})
        if route == ("GET", "/_fakestripe/config"):
            return json_response(200, self.webhooks.settings())
        if route == ("POST", "/_fakestripe/config"):
            body = _json_body(request)
            self.webhooks.configure(**{
                name: body[key] for name, key in (
                    ("url", "webhook_url"), ("secret", "webhook_secret"),
                    ("retry_delays", "webhook_retry_delays"))
                if key in body})
            return json_response(200, self.webhooks.settings())
        if route == ("POST", "/_fakestripe/reset"):
            with self.store.lock:
                self.store.reset()
                self.webhooks.reset()
            return json_response(200, {"ok": True})
        if route == ("GET", "/_fakestripe/deliveries"):
            return json_response(200, {"data": self.webhooks.attempts(),
                                       "pending": self.webhooks.pending_count()})
        if route == ("POST", "/_fakestripe/clock"):
            seconds = int(_json_body(request).get("advance_seconds", 0))
            with self.store.lock:
                self.store.clock_offset_seconds += seconds
                return json_response(200, {"now": self.store.now(),
                                           "offset_seconds": self.store.clock_offset_seconds})
        return json_response(404, {"error": f"Unknown control endpoint {route[0]} {route[1]}"})


def _json_body(request: Request) -> dict:
    return json.loads(request.body or b"{}")


def _authenticate(request: Request) -> str:
    authorization = request.headers.get("Authorization") or ""
    scheme, _, credentials = authorization.partition(" ")
    key = ""
    if scheme.lower() == "bearer":
        key = credentials.strip()
    elif scheme.lower() == "basic":  # curl -u sk_test_...:
        key = base64.b64decode(credentials).decode(errors="replace").partition(":")[0]
    if not key:
        raise StripeError(401, "You did not provide an API key. You need to provide your API "
                          "key in the Authorization header, using Bearer auth (e.g. "
                          "'Authorization: Bearer YOUR_SECRET_KEY').")
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


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "fakestripe"

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def _serve(self):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.app.handle(Request(self.command, path, query, self.headers, body))
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


class FakeStripeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, app: FakeStripeApp, verbose: bool = False):
        self.app = app
        self.verbose = verbose
        super().__init__((host, port), _RequestHandler)

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.conftest import WEBHOOK_SECRET


@pytest.fixture
def proc(fakestripe_server):
    """The suite's running fakestripe, emptied, with no webhook URL and short retry delays."""
    fakestripe_server.configure(
        webhook_url=None, webhook_secret=WEBHOOK_SECRET, webhook_retry_delays=[0.05, 0.1, 0.2]
    )
    fakestripe_server.reset()
    return fakestripe_server


@pytest.fixture
def api(proc):
    return stripe.StripeClient("sk_test_x", base_addresses={"api": proc.url}, max_network_retries=0)


@pytest.fixture
def make_session(api):
    def make(**overrides):
        params = {
            "mode": "payment",
            "success_url": "http://app.test/success?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://app.test/cancel",
            "line_items": [
                {
                    "price_data": {
                        "currency": "USD",
                        "unit_amount": 9900,
                        "product_data": {"name": "Job posting"},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": "job-42",
            "metadata": {"job_id": "42"},
            "payment_intent_data": {"metadata": {"job_id": "42"}},
        }
        params.update(overrides)
        return api.v1.checkout.sessions.create(params=params)

    return make


class WebhookReceiver:
    """A tiny HTTP server that records webhook POSTs and answers with scripted statuses."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)  # answered in order, then 200
        self.requests = []  # (headers dict, body bytes)
        self._received = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._received:
                    receiver.requests.append((dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver._received.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe/webhook/"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def wait_for(self, count, timeout=5.0):
        with self._received:
            self._received.wait_for(lambda: len(self.requests) >= count, timeout)
        return self.requests

    def events(self):
        return [json.loads(body) for _, body in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


SESSION_FORM = {
    "mode": "payment",
    "success_url": "http://app.test/s",
    "cancel_url": "http://app.test/c",
    "line_items[0][price_data][currency]": "usd",
    "line_items[0][price_data][unit_amount]": "9900",
    "line_items[0][price_data][product_data][name]": "Job posting",
    "line_items[0][quantity]": "1",
}


@pytest.fixture
def raw_api(proc):
    """raw_api(method, path, form=None, key=None, api_key="sk_test_x") -> (status, headers,
    JSON body): one /v1 request as bytes on the wire, without the SDK in between."""

    def call(method, path, form=None, key=None, api_key="sk_test_x"):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if key is not None:
            headers["Idempotency-Key"] = key
        status, response_headers, content = proc._request(method, path, body, headers)
        return status, response_headers, json.loads(content)

    return call

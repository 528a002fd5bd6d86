import threading
import time
import urllib.request

import pytest
import stripe

SESSIONS_PATH = "^/v1/checkout/sessions$"


def client(proc, **options):
    return stripe.StripeClient("sk_test_x", base_addresses={"api": proc.url}, **options)


def test_500_fails_without_creating_anything(api, make_session, proc):
    proc.inject_fault("500", method="POST", path=SESSIONS_PATH)

    with pytest.raises(stripe.APIError) as excinfo:
        make_session()
    assert excinfo.value.http_status == 500
    assert excinfo.value.error.type == "api_error"
    assert api.v1.checkout.sessions.list().data == []
    assert proc.faults() == []
    make_session()  # back to normal


def test_429_is_a_rate_limit_error_and_creates_nothing(api, make_session, proc):
    proc.inject_fault("429")

    with pytest.raises(stripe.RateLimitError) as excinfo:
        make_session()
    assert excinfo.value.http_status == 429
    assert api.v1.checkout.sessions.list().data == []


def test_faults_match_method_and_path_and_are_used_in_order(api, make_session, proc):
    proc.inject_fault("500", method="POST", path="^/v1/refunds$")
    proc.inject_fault("429", count=2, method="GET")
    session = make_session()  # a POST the refund fault does not match
    proc.pay(session.id)  # hosted-page and control requests never use faults

    with pytest.raises(stripe.RateLimitError):
        api.v1.checkout.sessions.retrieve(session.id)
    assert [(f["kind"], f["count"]) for f in proc.faults()] == [("500", 1), ("429", 1)]
    with pytest.raises(stripe.RateLimitError):
        api.v1.checkout.sessions.list()
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    with pytest.raises(stripe.APIError):
        api.v1.refunds.create(params={"payment_intent": intent_id})
    assert proc.faults() == []
    assert api.v1.refunds.create(params={"payment_intent": intent_id}).status == "succeeded"


def test_bad_fault_spec_is_rejected(proc):
    with pytest.raises(RuntimeError, match="400"):
        proc.inject_fault("teapot")
    with pytest.raises(RuntimeError, match="400"):
        proc.inject_fault("500", path="(")


def test_timeout_does_the_work_only_after_the_delay(api, make_session, proc):
    impatient = client(proc, http_client=stripe.RequestsClient(timeout=0.2), max_network_retries=0)
    proc.inject_fault("timeout", method="POST", path=SESSIONS_PATH, delay=0.5)
    params = {
        "mode": "payment",
        "success_url": "http://a/s",
        "cancel_url": "http://a/c",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 100,
                    "product_data": {"name": "X"},
                },
                "quantity": 1,
            }
        ],
    }

    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k"})
    # The sleeping request blocks nobody, and has not created anything yet.
    assert api.v1.checkout.sessions.list().data == []
    assert time.monotonic() - started < 0.45

    # A retry with the same key while the first is still at work is refused (409)...
    with pytest.raises(stripe.APIError) as conflict:
        api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k"})
    assert conflict.value.http_status == 409
    assert conflict.value.json_body["error"]["code"] == "idempotency_key_in_use"
    # ...and once the first has done the work, a retry gets its answer replayed.
    time.sleep(max(0, started + 0.6 - time.monotonic()))
    retried = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k"})
    assert retried.last_response.headers.get("Idempotent-Replayed") == "true"
    assert [s.id for s in api.v1.checkout.sessions.list().data] == [retried.id]


def test_reset_abandons_a_sleeping_request(api, proc):
    proc.inject_fault("timeout", delay=30)
    errors = []

    def post():
        request = urllib.request.Request(
            f"{proc.url}/v1/checkout/sessions",
            data=b"mode=payment",
            headers={"Authorization": "Bearer sk_test_x"},
        )
        try:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5)
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=post)
    thread.start()
    deadline = time.monotonic() + 2
    while proc.faults() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the request has taken its fault and is sleeping
    proc.reset()
    thread.join(timeout=2)

    assert not thread.is_alive()
    assert len(errors) == 1 and not isinstance(errors[0], TimeoutError)


def test_lost_response_is_replayed_to_the_sdks_retry(proc):
    retrying = client(proc, max_network_retries=2)
    proc.inject_fault("lost_response", method="POST", path=SESSIONS_PATH)

    session = retrying.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "http://a/s",
            "cancel_url": "http://a/c",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 100,
                        "product_data": {"name": "X"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )

    assert session.last_response.headers.get("Idempotent-Replayed") == "true"
    assert [s.id for s in retrying.v1.checkout.sessions.list().data] == [session.id]


def test_lost_response_without_retries_is_a_connection_error_but_the_work_is_done(
    api, make_session, proc
):
    proc.inject_fault("lost_response")
    with pytest.raises(stripe.APIConnectionError):
        make_session()
    assert len(api.v1.checkout.sessions.list().data) == 1

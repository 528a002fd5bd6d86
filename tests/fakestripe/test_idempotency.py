import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe

from tests.fakestripe.conftest import SESSION_FORM


def test_same_key_and_params_replays_the_first_response(api, make_session):
    params = {
        "mode": "payment",
        "success_url": "http://app.test/s",
        "cancel_url": "http://app.test/c",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 500,
                    "product_data": {"name": "X"},
                },
                "quantity": 1,
            }
        ],
    }
    first = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})
    again = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})

    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(api.v1.checkout.sessions.list().data) == 1

    with pytest.raises(stripe.IdempotencyError):
        api.v1.checkout.sessions.create(
            params={**params, "client_reference_id": "other"}, options={"idempotency_key": "k1"}
        )


def test_keys_are_scoped_per_api_key(api, proc, make_session):
    params = {
        "mode": "payment",
        "success_url": "http://app.test/s",
        "cancel_url": "http://app.test/c",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 500,
                    "product_data": {"name": "X"},
                },
                "quantity": 1,
            }
        ],
    }
    other_client = stripe.StripeClient(
        "sk_test_other", base_addresses={"api": proc.url}, max_network_retries=0
    )
    first = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k"})
    second = other_client.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": "k"}
    )
    assert first.id != second.id


def test_concurrent_requests_with_one_key_create_one_object(proc):
    """Each answer is the one session, or Stripe's 409 while another request holds the key."""
    body = (
        b"mode=payment&success_url=http://a/s&cancel_url=http://a/c"
        b"&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=100"
        b"&line_items[0][price_data][product_data][name]=X&line_items[0][quantity]=1"
    )
    answers = []

    def create():
        request = urllib.request.Request(
            f"{proc.url}/v1/checkout/sessions",
            data=body,
            headers={"Authorization": "Bearer sk_test_x", "Idempotency-Key": "same"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request) as response:
                answers.append((response.status, json.load(response)["id"]))
        except urllib.error.HTTPError as error:
            answers.append((error.code, json.load(error)["error"]["code"]))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8
    created = {answer for status, answer in answers if status == 200}
    assert len(created) == 1
    assert {answer for status, answer in answers if status != 200} <= {"idempotency_key_in_use"}
    assert {status for status, _ in answers} <= {200, 409}


# ---- 409 idempotency_key_in_use: a key another request is still executing ----------------


def slow_create_in_background(proc, key, form=SESSION_FORM, delay=0.6):
    """Send a create request with `key` that fakestripe executes only after `delay` seconds
    (a "timeout" fault the client waits out); returns the thread and its answers."""
    proc.inject_fault("timeout", method="POST", path="/v1/checkout/sessions", delay=delay)
    answers = []

    def create():
        request = urllib.request.Request(
            f"{proc.url}/v1/checkout/sessions",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Authorization": "Bearer sk_test_x", "Idempotency-Key": key},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            answers.append(json.load(response))

    thread = threading.Thread(target=create)
    thread.start()
    deadline = time.monotonic() + 5
    while proc.faults() and time.monotonic() < deadline:  # taken: the request is at work
        time.sleep(0.01)
    assert proc.faults() == []
    return thread, answers


def test_a_request_while_another_with_its_key_is_at_work_gets_409(proc, raw_api):
    thread, answers = slow_create_in_background(proc, "busy")

    status, headers, body = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="busy")
    assert status == 409
    assert body["error"]["code"] == "idempotency_key_in_use"
    assert body["error"]["type"] == "idempotency_error"
    assert "another in-progress request" in body["error"]["message"]
    assert headers["Stripe-Should-Retry"] == "true"
    assert headers["Idempotency-Key"] == "busy"
    # whatever the parameters: the key is in use before they are compared
    other = {**SESSION_FORM, "client_reference_id": "other"}
    assert raw_api("POST", "/v1/checkout/sessions", other, key="busy")[0] == 409
    # other keys, requests without a key, and reads go on meanwhile
    assert raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="free")[0] == 200
    assert raw_api("GET", "/v1/checkout/sessions")[0] == 200

    thread.join(timeout=5)
    [created] = answers
    status, headers, body = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="busy")
    assert (status, body["id"], headers.get("Idempotent-Replayed")) == (200, created["id"], "true")
    _, _, listed = raw_api("GET", "/v1/checkout/sessions")
    assert len(listed["data"]) == 2  # the slow one and "free": no 409 created anything


def test_the_sdk_raises_a_409_as_an_api_error_and_its_retries_get_the_replayed_answer(
    proc, make_session
):
    form = {**SESSION_FORM, "client_reference_id": "job-1"}
    thread, answers = slow_create_in_background(proc, "sdk-key", form=form)
    params = {
        "mode": "payment",
        "success_url": "http://app.test/s",
        "cancel_url": "http://app.test/c",
        "client_reference_id": "job-1",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 9900,
                    "product_data": {"name": "Job posting"},
                },
                "quantity": 1,
            }
        ],
    }
    impatient = stripe.StripeClient(
        "sk_test_x", base_addresses={"api": proc.url}, max_network_retries=0
    )
    with pytest.raises(stripe.APIError) as conflict:
        impatient.v1.checkout.sessions.create(params=params, options={"idempotency_key": "sdk-key"})
    assert conflict.value.http_status == 409

    patient = stripe.StripeClient(
        "sk_test_x", base_addresses={"api": proc.url}, max_network_retries=5
    )
    session = patient.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": "sdk-key"}
    )
    thread.join(timeout=5)
    assert session.id == answers[0]["id"]


# ---- Stripe saves the result of any request whose endpoint began executing -------------


def test_a_500_that_began_executing_is_replayed_to_every_retry_with_its_key(
    proc, raw_api, make_session
):
    proc.inject_fault("500", method="POST", path="^/v1/checkout/sessions$")
    status, headers, body = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="k500")
    assert (status, body["error"]["type"]) == (500, "api_error")
    assert headers["Stripe-Should-Retry"] == "false"  # a retry would only replay it

    for _ in range(2):  # the fault is used up: the retries replay the saved 500
        status, headers, body = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="k500")
        assert (status, headers["Idempotent-Replayed"]) == (500, "true")
    assert proc.faults() == []
    # A new key executes the request.
    assert raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="k-new")[0] == 200


def test_the_sdks_own_retries_get_the_replayed_500(proc, make_session):
    retrying = stripe.StripeClient(
        "sk_test_x", base_addresses={"api": proc.url}, max_network_retries=2
    )
    proc.inject_fault("500", count=1, method="POST", path="^/v1/checkout/sessions$")
    with pytest.raises(stripe.APIError) as excinfo:
        retrying.v1.checkout.sessions.create(
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
            },
            options={"idempotency_key": "sdk-key"},
        )
    assert excinfo.value.http_status == 500
    assert retrying.v1.checkout.sessions.list().data == []


def test_a_500_without_a_key_is_worth_retrying(proc, raw_api):
    proc.inject_fault("500", method="GET")
    status, headers, _ = raw_api("GET", "/v1/events")
    assert (status, headers["Stripe-Should-Retry"]) == (500, "true")


def test_a_refusal_after_execution_began_is_saved_and_replayed(api, proc, raw_api, make_session):
    session = make_session()
    proc.pay(session.id)
    intent = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    too_much = {"payment_intent": intent, "amount": "999999"}
    status, headers, body = raw_api("POST", "/v1/refunds", too_much, key="big")
    assert (status, body["error"]["code"]) == (400, "amount_too_large")
    assert headers["Stripe-Should-Retry"] == "false"
    status, headers, body = raw_api("POST", "/v1/refunds", too_much, key="big")
    assert (status, headers["Idempotent-Replayed"]) == (400, "true")
    assert body["error"]["code"] == "amount_too_large"


def test_a_request_refused_by_parameter_validation_saves_nothing(proc, raw_api):
    status, headers, body = raw_api(
        "POST", "/v1/checkout/sessions", {**SESSION_FORM, "bogus": "1"}, key="v"
    )
    assert (status, body["error"]["param"], headers["Stripe-Should-Retry"]) == (
        400,
        "bogus",
        "false",
    )
    # The same key with corrected parameters runs: nothing was saved for it.
    status, headers, _ = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="v")
    assert status == 200 and "Idempotent-Replayed" not in headers


def test_a_rate_limited_request_saves_nothing(proc, raw_api):
    proc.inject_fault("429", method="POST")
    status, headers, _ = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="r")
    assert (status, headers["Stripe-Should-Retry"]) == (429, "false")
    status, headers, _ = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="r")
    assert status == 200 and "Idempotent-Replayed" not in headers


def test_keys_expire_after_24_hours_of_the_emulators_clock(proc, raw_api):
    _, _, first = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="day")
    proc.advance_clock(24 * 3600 - 60)
    _, headers, again = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM, key="day")
    assert again["id"] == first["id"] and headers["Idempotent-Replayed"] == "true"
    assert headers["Original-Request"]

    proc.advance_clock(60)
    status, headers, later = raw_api(
        "POST", "/v1/checkout/sessions", {**SESSION_FORM, "client_reference_id": "x"}, key="day"
    )
    assert status == 200 and "Idempotent-Replayed" not in headers
    assert later["id"] != first["id"]

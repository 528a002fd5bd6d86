"""Errors look like Stripe's: no null code/param, Request-Id and Stripe-Should-Retry headers."""

import pytest
import stripe


def test_an_error_without_code_or_param_leaves_them_out(raw_api):
    status, headers, body = raw_api("GET", "/v1/events", api_key=None)
    assert status == 401
    assert set(body["error"]) == {"type", "message"}
    assert headers["Stripe-Should-Retry"] == "false"
    assert headers["Request-Id"].startswith("req_")


def test_an_error_with_code_and_param_has_them_and_a_doc_url(raw_api):
    status, headers, body = raw_api("GET", "/v1/refunds/re_missing")
    assert status == 404
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": "No such refund: 're_missing'",
        "code": "resource_missing",
        "param": "refund",
        "doc_url": "https://stripe.com/docs/error-codes/resource_missing",
    }
    assert headers["Stripe-Should-Retry"] == "false"


def test_every_response_has_its_own_request_id_and_successes_no_retry_advice(raw_api):
    _, first, _ = raw_api("GET", "/v1/events")
    _, second, _ = raw_api("GET", "/v1/events")
    assert first["Request-Id"] != second["Request-Id"]
    assert "Stripe-Should-Retry" not in first


def test_injected_errors_have_stripe_headers(proc, raw_api):
    proc.inject_fault("429")
    status, headers, body = raw_api("GET", "/v1/events")
    assert (status, body["error"]["code"]) == (429, "rate_limit")
    assert headers["Request-Id"].startswith("req_")
    assert "param" not in body["error"]


def test_the_sdk_reads_the_error(api):
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        api.v1.refunds.retrieve("re_missing")
    assert (excinfo.value.code, excinfo.value.param) == ("resource_missing", "refund")
    assert excinfo.value.request_id.startswith("req_")

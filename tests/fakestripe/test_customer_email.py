"""Stripe's check of Checkout's customer_email: a 400 invalid_request_error naming the
parameter, refused before anything executes (nothing saved for the idempotency key)."""

import pytest

from tests.fakestripe.conftest import SESSION_FORM

REFUSED = [
    "employer@localhost",  # no dot in the domain
    "employer",
    "@acme.example",
    "employer@",
    "em ployer@acme.example",
    "employer@acme .example",
    " employer@acme.example",
    "employer@acme.example\n",
    "a@b@acme.example",
    "employer@acme..example",
    "employer@-acme.example",
    "employer@acme.e",
    "employer@acme.123",
    ".employer@acme.example",
    "emp..loyer@acme.example",
    "x" * 65 + "@acme.example",
    "employer@" + "a" * 500 + ".example",  # over 512 characters
]
ACCEPTED = [
    "employer@acme.example",
    "first.last+jobs@mail.acme.co.uk",
    "o'brien@acme-corp.example",
    "x" * 64 + "@acme.example",
    "employer@xn--bcher-kva.example",
]


@pytest.mark.parametrize("address", REFUSED)
def test_an_address_stripe_rejects_is_a_400_naming_customer_email(raw_api, address):
    form = {**SESSION_FORM, "customer_email": address}
    status, headers, body = raw_api("POST", "/v1/checkout/sessions", form, key="k-email")

    assert status == 400
    error = body["error"]
    assert (error["type"], error["param"], error["code"]) == (
        "invalid_request_error",
        "customer_email",
        "email_invalid",
    )
    assert error["message"].startswith("Invalid email address")
    assert headers["Stripe-Should-Retry"] == "false"
    # a validation refusal saves nothing for its key: the corrected request runs
    corrected = {**SESSION_FORM, "customer_email": "employer@acme.example"}
    assert raw_api("POST", "/v1/checkout/sessions", corrected, key="k-email")[0] == 200


@pytest.mark.parametrize("address", ACCEPTED)
def test_an_ordinary_address_is_taken(raw_api, address):
    status, _, body = raw_api(
        "POST", "/v1/checkout/sessions", {**SESSION_FORM, "customer_email": address}
    )
    assert status == 200, body
    assert body["customer_email"] == address

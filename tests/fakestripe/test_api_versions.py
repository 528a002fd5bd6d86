"""fakestripe labels its answers and events with the API version of the SDK the app pins,
echoes the version a request asks for, and labels events with a webhook endpoint's."""

import stripe
from django.conf import settings

from fakestripe.store import API_VERSION

from .conftest import SESSION_FORM


def test_events_and_answers_carry_the_pinned_sdks_api_version(api, make_session, proc, raw_api):
    assert API_VERSION == stripe._api_version._ApiVersion.CURRENT == settings.STRIPE_API_VERSION
    session = make_session()
    assert session.last_response.headers["Stripe-Version"] == API_VERSION
    proc.pay(session.id)
    events = api.v1.events.list().data
    assert events and all(event.api_version == API_VERSION for event in events)


def test_the_version_a_request_asks_for_is_echoed(raw_api, proc):
    status, headers, _ = raw_api("POST", "/v1/checkout/sessions", SESSION_FORM)
    assert status == 200 and headers["Stripe-Version"] == API_VERSION
    older = stripe.StripeClient(
        "sk_test_x",
        stripe_version="2024-10-28.acacia",
        base_addresses={"api": proc.url},
        max_network_retries=0,
    )
    listed = older.v1.checkout.sessions.list()
    assert listed.last_response.headers["Stripe-Version"] == "2024-10-28.acacia"


def test_a_request_naming_no_version_is_refused_like_stripe(proc):
    client = stripe.StripeClient(
        "sk_test_x",
        stripe_version="latest",
        base_addresses={"api": proc.url},
        max_network_retries=0,
    )
    try:
        client.v1.checkout.sessions.list()
    except stripe.InvalidRequestError as exc:
        assert exc.http_status == 400
        assert "Invalid Stripe API version: latest" in exc.user_message
    else:
        raise AssertionError("a malformed Stripe-Version was accepted")


def test_a_webhook_endpoint_on_another_version_gets_events_labelled_with_it(
    api, make_session, proc, receiver
):
    proc.configure(webhook_url=receiver.url, webhook_api_version="2025-03-31.basil")
    proc.pay(make_session().id)
    receiver.wait_for(1)
    delivered = receiver.events()[0]
    assert delivered["api_version"] == "2025-03-31.basil"
    # The account's own record of the event keeps the account's version.
    assert api.v1.events.retrieve(delivered["id"]).api_version == API_VERSION
    proc.reset()
    assert proc.configure()["webhook_api_version"] is None

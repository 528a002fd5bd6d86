import time

import pytest
import stripe


def test_create_returns_an_open_unpaid_session(make_session, proc):
    session = make_session(customer_email="ada@example.com")

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.amount_subtotal == session.amount_total == 9900
    assert session.currency == "usd"
    assert session.client_reference_id == "job-42"
    assert session.metadata.to_dict() == {"job_id": "42"}
    assert session.customer_email == "ada@example.com"
    assert (session.mode, session.status, session.payment_status) == ("payment", "open", "unpaid")
    assert session.payment_intent is None
    assert session.livemode is False
    assert session.url == f"{proc.url}/checkout/{session.id}"
    assert abs(session.expires_at - (time.time() + 24 * 3600)) < 60


def test_amount_total_sums_line_items(make_session):
    session = make_session(
        line_items=[
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 1000,
                    "product_data": {"name": "A"},
                },
                "quantity": 3,
            },
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 250,
                    "product_data": {"name": "B"},
                },
                "quantity": 2,
            },
        ]
    )
    assert session.amount_total == 3500
    assert session.currency == "eur"


def test_retrieve_and_unknown_id(api, make_session):
    session = make_session()
    assert api.v1.checkout.sessions.retrieve(session.id).id == session.id

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        api.v1.checkout.sessions.retrieve("cs_test_nope")
    assert excinfo.value.http_status == 404
    assert excinfo.value.code == "resource_missing"


@pytest.mark.parametrize("missing", ["mode", "success_url", "cancel_url", "line_items"])
def test_required_parameters(make_session, missing):
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        make_session(**{missing: None})
    assert excinfo.value.http_status == 400
    assert excinfo.value.param == missing


def test_unknown_parameter_is_rejected(make_session):
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: colour"):
        make_session(colour="blue")


@pytest.mark.parametrize(
    "lifetime, accepted",
    [
        (29 * 60, False),
        (31 * 60, True),
        (23 * 3600, True),
        (25 * 3600, False),
    ],
)
def test_expires_at_bounds(make_session, lifetime, accepted):
    expires_at = int(time.time()) + lifetime
    if accepted:
        assert make_session(expires_at=expires_at).expires_at == expires_at
    else:
        with pytest.raises(stripe.InvalidRequestError) as excinfo:
            make_session(expires_at=expires_at)
        assert excinfo.value.param == "expires_at"


def test_expire_open_session_then_expiring_again_fails(api, make_session):
    session = make_session()
    expired = api.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"

    with pytest.raises(stripe.InvalidRequestError, match="only expire sessions that are open"):
        api.v1.checkout.sessions.expire(session.id)
    events = api.v1.events.list(params={"type": "checkout.session.expired"}).data
    assert [event.data.object.id for event in events] == [session.id]


def test_session_past_expires_at_is_lazily_expired_once(api, make_session, proc):
    session = make_session(expires_at=int(time.time()) + 31 * 60)
    proc.advance_clock(32 * 60)

    assert api.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert api.v1.checkout.sessions.retrieve(session.id).status == "expired"
    events = api.v1.events.list(params={"type": "checkout.session.expired"}).data
    assert len(events) == 1


def test_list_newest_first_with_filters_and_pagination(api, make_session, proc):
    first, second, third = make_session(), make_session(), make_session()
    api.v1.checkout.sessions.expire(second.id)

    page = api.v1.checkout.sessions.list(params={"limit": 2})
    assert [s.id for s in page.data] == [third.id, second.id]
    assert page.has_more is True
    rest = api.v1.checkout.sessions.list(params={"limit": 2, "starting_after": second.id})
    assert [s.id for s in rest.data] == [first.id]
    assert rest.has_more is False

    open_ids = [s.id for s in api.v1.checkout.sessions.list(params={"status": "open"}).data]
    assert open_ids == [third.id, first.id]
    recent = api.v1.checkout.sessions.list(params={"created": {"gte": first.created}})
    assert len(recent.data) == 3

    proc.pay(first.id)
    paid = api.v1.checkout.sessions.retrieve(first.id)
    by_intent = api.v1.checkout.sessions.list(params={"payment_intent": paid.payment_intent})
    assert [s.id for s in by_intent.data] == [first.id]


def test_bad_api_key_is_an_authentication_error(proc):
    live_client = stripe.StripeClient(
        "sk_live_nope", base_addresses={"api": proc.url}, max_network_retries=0
    )
    with pytest.raises(stripe.AuthenticationError, match="Invalid API Key"):
        live_client.v1.checkout.sessions.list()

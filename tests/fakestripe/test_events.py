"""Events name the API request that caused them; a declined payment leaves a failed charge."""


def test_events_caused_by_an_api_request_name_it(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)  # the hosted page is not an API request
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent

    refund = api.v1.refunds.create(
        params={"payment_intent": intent_id}, options={"idempotency_key": "refund-key"}
    )

    [completed] = api.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert (completed.request.id, completed.request.idempotency_key) == (None, None)
    [created] = api.v1.events.list(params={"type": "refund.created"}).data
    assert created.request.id == refund.last_response.request_id
    assert created.request.idempotency_key == "refund-key"
    [charge_refunded] = api.v1.events.list(params={"type": "charge.refunded"}).data
    assert charge_refunded.request.id == refund.last_response.request_id
    assert "previous_attributes" not in created.data


def test_expiring_through_the_api_names_the_request(api, make_session):
    session = make_session()
    expired = api.v1.checkout.sessions.expire(session.id)
    [event] = api.v1.events.list(params={"type": "checkout.session.expired"}).data
    assert event.request.id == expired.last_response.request_id
    # The SDK sends a key of its own on every POST; fakestripe echoes it back.
    assert event.request.idempotency_key == expired.last_response.headers["Idempotency-Key"]


def test_a_declined_payment_leaves_a_failed_charge(api, make_session, proc):
    session = make_session()
    status, _ = proc.pay(session.id, card="4000000000000002")
    assert status == 402
    intent = api.v1.payment_intents.retrieve(
        api.v1.checkout.sessions.retrieve(session.id).payment_intent,
        params={"expand": ["latest_charge"]},
    )
    assert intent.status == "requires_payment_method"
    charge = intent.latest_charge
    assert (charge.status, charge.paid, charge.captured) == ("failed", False, False)
    assert (charge.failure_code, charge.failure_message) == (
        "card_declined",
        "Your card was declined.",
    )
    assert charge.outcome.type == "issuer_declined"
    assert intent.last_payment_error.charge == charge.id
    assert intent.last_payment_error.decline_code == "generic_decline"

    # Paying again with a good card: a new, succeeded latest charge.
    proc.pay(session.id)
    intent = api.v1.payment_intents.retrieve(intent.id)
    assert intent.latest_charge != charge.id
    assert api.v1.charges.retrieve(intent.latest_charge).status == "succeeded"
    assert intent.last_payment_error is None


def test_a_failed_async_payment_leaves_a_failed_charge(api, make_session, proc):
    session = make_session()
    proc.complete_session(session.id, payment_status="unpaid")
    proc.async_result(session.id, succeeded=False)
    intent = api.v1.payment_intents.retrieve(
        api.v1.checkout.sessions.retrieve(session.id).payment_intent
    )
    charge = api.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.failure_code) == ("failed", "payment_method_provider_decline")


def test_charge_refunds_only_when_expanded(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    refund = api.v1.refunds.create(params={"payment_intent": intent_id, "amount": 100})
    assert "refunds" not in api.v1.charges.retrieve(refund.charge)
    expanded = api.v1.charges.retrieve(refund.charge, params={"expand": ["refunds"]})
    assert [r.id for r in expanded.refunds.data] == [refund.id]

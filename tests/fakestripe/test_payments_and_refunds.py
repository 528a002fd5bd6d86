import pytest
import stripe


@pytest.fixture
def paid_session(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    return api.v1.checkout.sessions.retrieve(session.id)


def test_payment_intent_of_a_paid_session(api, paid_session):
    intent = api.v1.payment_intents.retrieve(paid_session.payment_intent)

    assert intent.object == "payment_intent"
    assert (intent.amount, intent.currency, intent.status) == (9900, "usd", "succeeded")
    assert intent.latest_charge.startswith("ch_")
    assert intent.metadata.to_dict() == {"job_id": "42"}
    assert intent.last_payment_error is None

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        api.v1.payment_intents.retrieve("pi_unknown")
    assert excinfo.value.http_status == 404


def test_partial_then_full_refund_then_nothing_left(api, paid_session):
    partial = api.v1.refunds.create(
        params={
            "payment_intent": paid_session.payment_intent,
            "amount": 1000,
            "reason": "requested_by_customer",
            "metadata": {"why": "test"},
        }
    )
    assert partial.id.startswith("re_")
    assert (partial.object, partial.amount, partial.status) == ("refund", 1000, "succeeded")
    assert partial.payment_intent == paid_session.payment_intent
    assert partial.charge.startswith("ch_")

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        api.v1.refunds.create(
            params={"payment_intent": paid_session.payment_intent, "amount": 9000}
        )
    assert excinfo.value.param == "amount"

    rest = api.v1.refunds.create(params={"payment_intent": paid_session.payment_intent})
    assert rest.amount == 8900

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        api.v1.refunds.create(params={"charge": rest.charge})
    assert excinfo.value.code == "charge_already_refunded"

    events = api.v1.events.list(params={"type": "charge.refunded"}).data
    charges = [event.data.object for event in events]  # newest first
    assert [(c.amount_refunded, c.refunded) for c in charges] == [(9900, True), (1000, False)]
    assert charges[0].object == "charge" and charges[0].payment_intent == rest.payment_intent


def test_refunding_an_unpaid_session_is_rejected(api, make_session, proc):
    session = make_session()
    proc.pay(session.id, card="4000000000000002")
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    with pytest.raises(stripe.InvalidRequestError, match="does not have a successful charge"):
        api.v1.refunds.create(params={"payment_intent": intent_id})


def test_expand_payment_intent_and_latest_charge(api, paid_session):
    session = api.v1.checkout.sessions.retrieve(
        paid_session.id, params={"expand": ["payment_intent.latest_charge", "line_items"]}
    )
    assert session.payment_intent.object == "payment_intent"
    assert session.payment_intent.latest_charge.object == "charge"
    assert session.line_items.data[0].description == "Job posting"

    intent = api.v1.payment_intents.retrieve(
        paid_session.payment_intent, params={"expand": ["latest_charge"]}
    )
    assert intent.latest_charge.object == "charge"
    assert intent.latest_charge.amount == 9900


def test_list_refunds_by_payment_intent(api, paid_session, make_session, proc):
    other = make_session()
    proc.pay(other.id)
    other_intent = api.v1.checkout.sessions.retrieve(other.id).payment_intent
    api.v1.refunds.create(params={"payment_intent": other_intent})
    first = api.v1.refunds.create(
        params={"payment_intent": paid_session.payment_intent, "amount": 100}
    )
    second = api.v1.refunds.create(
        params={"payment_intent": paid_session.payment_intent, "amount": 200}
    )

    refunds = api.v1.refunds.list(params={"payment_intent": paid_session.payment_intent})
    assert refunds.object == "list"
    assert [refund.id for refund in refunds.data] == [second.id, first.id]
    assert len(api.v1.refunds.list().data) == 3


def test_refund_with_the_same_idempotency_key_is_replayed(api, paid_session):
    params = {"payment_intent": paid_session.payment_intent, "amount": 1000}
    first = api.v1.refunds.create(params=params, options={"idempotency_key": "refund-1"})
    again = api.v1.refunds.create(params=params, options={"idempotency_key": "refund-1"})

    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert api.v1.charges.retrieve(first.charge).amount_refunded == 1000


def test_refunding_a_fully_refunded_payment_intent_again(api, paid_session):
    api.v1.refunds.create(params={"payment_intent": paid_session.payment_intent})
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        api.v1.refunds.create(
            params={"payment_intent": paid_session.payment_intent},
            options={"idempotency_key": "second-try"},
        )
    assert (excinfo.value.http_status, excinfo.value.code) == (400, "charge_already_refunded")

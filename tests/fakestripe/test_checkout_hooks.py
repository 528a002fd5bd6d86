import pytest

from tests.fakestripe_process import CARD_PAYMENT_EVENTS


def event_types(api):
    return [event.type for event in reversed(api.v1.events.list().data)]


def test_complete_paid_is_like_paying_by_card(api, make_session, proc):
    session = proc.complete_session(make_session().id)

    assert (session["status"], session["payment_status"]) == ("complete", "paid")
    intent = api.v1.payment_intents.retrieve(
        session["payment_intent"], params={"expand": ["latest_charge"]}
    )
    assert (intent.status, intent.amount_received) == ("succeeded", 9900)
    assert intent.latest_charge.amount == 9900
    assert event_types(api) == CARD_PAYMENT_EVENTS


def test_complete_with_a_different_amount(api, make_session, proc):
    session = proc.complete_session(make_session().id, amount_total=5000)

    assert session["amount_total"] == 5000
    intent = api.v1.payment_intents.retrieve(
        session["payment_intent"], params={"expand": ["latest_charge"]}
    )
    assert (intent.amount, intent.latest_charge.amount) == (5000, 5000)
    [event] = api.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert event.data.object.amount_total == 5000
    [event] = api.v1.events.list(params={"type": "charge.succeeded"}).data
    assert event.data.object.amount == 5000


def test_force_completes_an_expired_session(api, make_session, proc):
    session = make_session()
    api.v1.checkout.sessions.expire(session.id)
    with pytest.raises(RuntimeError, match="400"):
        proc.complete_session(session.id)

    completed = proc.complete_session(session.id, force=True)
    assert (completed["status"], completed["payment_status"]) == ("complete", "paid")
    assert event_types(api) == ["checkout.session.expired", *CARD_PAYMENT_EVENTS]
    with pytest.raises(RuntimeError, match="400"):
        proc.complete_session(session.id, force=True)  # complete sessions stay complete


def test_unpaid_then_async_success(api, make_session, proc):
    session = proc.complete_session(make_session().id, payment_status="unpaid")
    assert (session["status"], session["payment_status"]) == ("complete", "unpaid")
    intent = api.v1.payment_intents.retrieve(session["payment_intent"])
    assert (intent.status, intent.latest_charge) == ("processing", None)

    settled = proc.async_result(session["id"], succeeded=True)
    assert settled["payment_status"] == "paid"
    intent = api.v1.payment_intents.retrieve(session["payment_intent"])
    assert intent.status == "succeeded" and intent.latest_charge.startswith("ch_")
    assert event_types(api) == [
        "payment_intent.created",
        "checkout.session.completed",
        "charge.succeeded",
        "payment_intent.succeeded",
        "charge.updated",
        "checkout.session.async_payment_succeeded",
    ]
    assert api.v1.refunds.create(params={"payment_intent": intent.id}).amount == 9900


def test_unpaid_then_async_failure(api, make_session, proc):
    session = proc.complete_session(make_session().id, payment_status="unpaid")

    settled = proc.async_result(session["id"], succeeded=False)
    assert (settled["status"], settled["payment_status"]) == ("complete", "unpaid")
    intent = api.v1.payment_intents.retrieve(session["payment_intent"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.message
    assert event_types(api) == [
        "payment_intent.created",
        "checkout.session.completed",
        "charge.failed",
        "payment_intent.payment_failed",
        "checkout.session.async_payment_failed",
    ]
    with pytest.raises(RuntimeError, match="400"):
        proc.async_result(session["id"], succeeded=True)  # nothing is processing any more


def test_async_result_needs_a_processing_payment(make_session, proc):
    session = make_session()
    proc.pay(session.id)
    with pytest.raises(RuntimeError, match="400"):
        proc.async_result(session.id, succeeded=True)
    with pytest.raises(RuntimeError, match="404"):
        proc.complete_session("cs_test_unknown")

"""The events of a card payment through Checkout, as Stripe sends them, in any order."""

import pytest

from tests.fakestripe_process import CARD_PAYMENT_EVENTS

DECLINED = "4000000000000002"


def created_order(api):
    return list(reversed(api.v1.events.list(params={"limit": 100}).data))


def test_a_card_payment_sends_the_five_events_stripe_sends(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)

    events = {event.type: event for event in created_order(api)}
    assert list(events) == CARD_PAYMENT_EVENTS
    paid = api.v1.checkout.sessions.retrieve(session.id)
    intent = api.v1.payment_intents.retrieve(paid.payment_intent)
    charge = api.v1.charges.retrieve(intent.latest_charge)

    created = events["payment_intent.created"].data.object
    assert (created.id, created.status, created.latest_charge) == (
        intent.id,
        "requires_payment_method",
        None,
    )
    succeeded = events["charge.succeeded"].data.object
    assert (succeeded.id, succeeded.status, succeeded.balance_transaction) == (
        charge.id,
        "succeeded",
        None,  # attached later: charge.updated says so
    )
    updated = events["charge.updated"].data
    assert updated.object.balance_transaction == charge.balance_transaction
    assert charge.balance_transaction.startswith("txn_")
    assert updated.previous_attributes.to_dict() == {"balance_transaction": None}
    intent_succeeded = events["payment_intent.succeeded"].data.object
    assert (intent_succeeded.status, intent_succeeded.latest_charge) == ("succeeded", charge.id)
    assert intent_succeeded.metadata.to_dict() == {"job_id": "42"}
    completed = events["checkout.session.completed"].data.object
    assert (completed.id, completed.payment_status) == (session.id, "paid")


def test_a_declined_card_sends_charge_failed_and_payment_failed_and_the_session_stays_open(
    api, make_session, proc
):
    session = make_session()
    status, _ = proc.pay(session.id, card=DECLINED)
    assert status == 402

    events = created_order(api)
    assert [event.type for event in events] == [
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
    ]
    failed_charge = events[1].data.object
    assert (failed_charge.status, failed_charge.failure_code) == ("failed", "card_declined")
    failed_intent = events[2].data.object
    assert failed_intent.status == "requires_payment_method"
    assert failed_intent.last_payment_error.charge == failed_charge.id
    assert api.v1.checkout.sessions.retrieve(session.id).status == "open"

    proc.pay(session.id)  # another try on the same session: the same PaymentIntent
    later = [event.type for event in created_order(api)][3:]
    assert later == CARD_PAYMENT_EVENTS[1:]


def delivered_types(proc, receiver, count):
    receiver.wait_for(count)
    proc.wait_for_deliveries(count)
    return [event["type"] for event in receiver.events()]


def pay_and_deliver(api, make_session, proc, receiver):
    """The types of a card payment's events in the order they were sent."""
    receiver.requests.clear()
    proc.pay(make_session().id)
    return delivered_types(proc, receiver, len(CARD_PAYMENT_EVENTS))


def test_the_events_of_a_payment_are_sent_shuffled_repeatably_for_a_seed(
    api, make_session, proc, receiver
):
    proc.configure(webhook_url=receiver.url)
    assert proc._control("GET", "/_fakestripe/config")["event_order"] == "shuffled"

    orders = {}
    for seed in range(1, 7):
        proc.configure(event_seed=seed)
        orders[seed] = pay_and_deliver(api, make_session, proc, receiver)
        assert sorted(orders[seed]) == sorted(CARD_PAYMENT_EVENTS)
    assert len({tuple(order) for order in orders.values()}) > 1
    assert any(order != CARD_PAYMENT_EVENTS for order in orders.values())

    proc.configure(event_seed=4)  # the same seed again: the same order
    assert pay_and_deliver(api, make_session, proc, receiver) == orders[4]
    # /v1/events still lists them as they were created, newest first
    assert [e.type for e in created_order(api)][-5:] == CARD_PAYMENT_EVENTS


def test_event_order_created_keeps_the_order_for_debugging(api, make_session, proc, receiver):
    proc.configure(webhook_url=receiver.url, event_order="created")
    for _ in range(3):
        assert pay_and_deliver(api, make_session, proc, receiver) == CARD_PAYMENT_EVENTS


def test_reset_puts_back_the_order_and_seed_fakestripe_started_with(proc):
    started = proc._control("GET", "/_fakestripe/config")
    assert (started["event_order"], started["event_seed"]) == ("shuffled", proc.event_seed)
    proc.configure(event_order="created", event_seed=99)
    proc.reset()
    after = proc._control("GET", "/_fakestripe/config")
    assert (after["event_order"], after["event_seed"]) == ("shuffled", proc.event_seed)


@pytest.mark.parametrize(
    "bad", [{"event_order": "random"}, {"event_seed": "x"}, {"event_seed": True}]
)
def test_a_bad_event_order_setting_is_refused(proc, bad):
    with pytest.raises(RuntimeError, match="400"):
        proc.configure(**bad)

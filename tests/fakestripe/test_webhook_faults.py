import time

import pytest


@pytest.fixture
def delivering(proc, receiver):
    proc.configure(webhook_url=receiver.url)
    return proc


def one_event(make_session, api):
    """Make exactly one event (a session expired) and return its id: a payment makes five."""
    api.v1.checkout.sessions.expire(make_session().id)
    return api.v1.events.list(params={"limit": 1}).data[0].id


def test_duplicate_delivers_independent_copies(api, make_session, delivering, receiver):
    receiver.statuses = [500]  # the first copy fails once and is retried on its own
    delivering.inject_webhook_fault("duplicate", times=2)
    event_id = one_event(make_session, api)

    requests = receiver.wait_for(3)
    assert [event["id"] for event in receiver.events()] == [event_id] * 3
    attempts = delivering.wait_for_deliveries(3)
    assert sorted((a["attempt"], a["status"]) for a in attempts) == [(1, 200), (1, 500), (2, 200)]
    assert len(requests) == 3


def test_delay_lets_later_events_overtake(api, make_session, delivering, receiver):
    delivering.inject_webhook_fault("delay", delay=0.3)
    started = time.monotonic()
    delayed = one_event(make_session, api)
    overtaking = one_event(make_session, api)

    receiver.wait_for(2)
    assert [event["id"] for event in receiver.events()] == [overtaking, delayed]
    assert time.monotonic() - started >= 0.3


def test_drop_stores_the_event_but_never_sends_it(api, make_session, delivering, receiver):
    delivering.inject_webhook_fault("drop")
    dropped = one_event(make_session, api)
    sent = one_event(make_session, api)

    receiver.wait_for(1)
    assert [event["id"] for event in receiver.events()] == [sent]
    assert api.v1.events.retrieve(dropped).type == "checkout.session.expired"
    assert [a["event_id"] for a in delivering.deliveries()] == [sent]


def test_held_events_are_released_newest_first(api, make_session, delivering, receiver):
    delivering.inject_webhook_fault("hold", count=2)
    first = one_event(make_session, api)
    second = one_event(make_session, api)
    assert delivering.held_webhooks() == [first, second]
    assert delivering.pending_deliveries() == 0 and receiver.requests == []

    assert delivering.release_webhooks() == [second, first]
    receiver.wait_for(2)
    assert [event["id"] for event in receiver.events()] == [second, first]
    assert delivering.held_webhooks() == []


def test_release_in_a_given_order_keeps_the_rest_held(api, make_session, delivering, receiver):
    delivering.inject_webhook_fault("hold", count=3)
    first, second, third = (one_event(make_session, api) for _ in range(3))

    assert delivering.release_webhooks(order=[second]) == [second]
    receiver.wait_for(1)
    assert delivering.held_webhooks() == [first, third]
    assert delivering.release_webhooks(order=[first, third]) == [first, third]
    receiver.wait_for(3)
    assert [event["id"] for event in receiver.events()] == [second, first, third]

    with pytest.raises(RuntimeError, match="400"):
        delivering.release_webhooks(order=["evt_not_held"])


def test_event_type_filter_and_reset(api, make_session, delivering, receiver):
    delivering.inject_webhook_fault("hold", event_type="checkout.session.expired")
    delivering.pay(make_session().id)  # five events, none of that type
    receiver.wait_for(5)
    assert [f["count"] for f in delivering.webhook_faults()] == [1]  # not used up yet
    api.v1.checkout.sessions.expire(make_session().id)
    assert len(delivering.held_webhooks()) == 1
    assert delivering.webhook_faults() == []

    delivering.inject_webhook_fault("drop")
    delivering.reset()
    assert delivering.held_webhooks() == []
    delivering.configure(webhook_url=receiver.url)
    one_event(make_session, api)
    receiver.wait_for(6)
    assert len(receiver.requests) == 6


def test_faults_wait_for_a_webhook_url(api, make_session, proc, receiver):
    proc.inject_webhook_fault("hold")
    one_event(make_session, api)  # not deliverable: leaves the fault alone
    proc.configure(webhook_url=receiver.url)
    one_event(make_session, api)
    assert len(proc.held_webhooks()) == 1

import json
import time

import stripe

from tests.fakestripe_process import CARD_PAYMENT_EVENTS


def test_events_are_stored_but_not_delivered_without_a_url(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)

    events = list(reversed(api.v1.events.list().data))
    assert [event.type for event in events] == CARD_PAYMENT_EVENTS
    assert api.v1.events.retrieve(events[-1].id).data.object.id == session.id
    assert {event.pending_webhooks for event in events} == {0}
    assert proc.deliveries() == []


def test_delivery_is_signed_like_stripe(api, make_session, proc, receiver):
    proc.configure(webhook_url=receiver.url)
    session = make_session()
    proc.pay(session.id)

    requests = receiver.wait_for(len(CARD_PAYMENT_EVENTS))
    events = []
    for headers, body in requests:
        assert headers["Content-Type"].startswith("application/json")
        events.append(
            stripe.Webhook.construct_event(body, headers["Stripe-Signature"], proc.webhook_secret)
        )
    assert sorted(event.type for event in events) == sorted(CARD_PAYMENT_EVENTS)
    [completed] = [event for event in events if event.type == "checkout.session.completed"]
    assert completed.data.object.id == session.id
    assert {event.pending_webhooks for event in events} == {1}
    # paid on the hosted page, not by an API request
    assert {str(event.request.to_dict()) for event in events} == {
        str({"id": None, "idempotency_key": None})
    }

    attempts = proc.wait_for_deliveries(len(events))
    assert sorted((a["event_id"], a["attempt"], a["status"]) for a in attempts) == sorted(
        (event.id, 1, 200) for event in events
    )


def test_failed_delivery_is_retried_and_resigned(api, make_session, proc, receiver):
    receiver.statuses = [500]
    proc.configure(webhook_url=receiver.url)
    api.v1.checkout.sessions.expire(make_session().id)  # one event

    requests = receiver.wait_for(2)
    assert json.loads(requests[0][1]) == json.loads(requests[1][1])
    for headers, body in requests:
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], proc.webhook_secret)
    attempts = proc.wait_for_deliveries(2)
    assert [(a["attempt"], a["status"], a["succeeded"]) for a in attempts] == [
        (1, 500, False),
        (2, 200, True),
    ]


def test_unreachable_endpoint_gives_up_after_the_configured_retries(api, make_session, proc):
    proc.configure(webhook_url="http://127.0.0.1:9/unreachable", webhook_retry_delays=[0.01, 0.01])
    api.v1.checkout.sessions.expire(make_session().id)  # one event

    attempts = proc.wait_for_deliveries(3)
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert all(a["status"] is None and a["error"] for a in attempts)
    assert proc.pending_deliveries() == 0


def test_reset_clears_objects_events_and_deliveries(api, make_session, proc):
    make_session()
    proc.reset()
    assert api.v1.checkout.sessions.list().data == []
    assert api.v1.events.list().data == []


def test_a_receiver_that_never_answers_does_not_hold_up_deliveries_after_a_reset(
    proc, api, make_session, receiver
):
    """A test that ends while its app hangs must not delay the next test's webhooks."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    try:
        proc.configure(webhook_url=f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        api.v1.checkout.sessions.expire(make_session().id)
        time.sleep(0.2)  # the delivery thread is now waiting on the silent receiver
        proc.reset()
        proc.configure(webhook_url=receiver.url)
        started = time.monotonic()
        api.v1.checkout.sessions.expire(make_session().id)
        assert receiver.wait_for(1, timeout=3)
        assert time.monotonic() - started < 2
    finally:
        silent.close()

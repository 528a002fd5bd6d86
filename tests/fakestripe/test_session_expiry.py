"""Sessions expire by themselves when expires_at passes, as at Stripe: nobody has to read them."""

import time


def expired_events(api):
    return api.v1.events.list(params={"type": "checkout.session.expired"}).data


def test_advancing_the_clock_expires_due_sessions_at_once(api, make_session, proc):
    due = make_session(expires_at=int(time.time()) + 31 * 60)
    later = make_session()

    result = proc.advance_clock(32 * 60)

    assert result["expired_sessions"] == [due.id]
    [event] = expired_events(api)
    assert event.data.object.id == due.id
    assert event.data.object.status == "expired" and event.data.object.url is None
    assert event.request.id is None  # Stripe did it, not a request
    assert api.v1.checkout.sessions.retrieve(later.id).status == "open"
    assert len(expired_events(api)) == 1  # reading it does not expire it again


def test_the_background_sweep_emits_the_event_without_any_request(make_session, proc, receiver):
    proc.configure(webhook_url=receiver.url)
    due = make_session(expires_at=int(time.time()) + 31 * 60)
    proc.advance_clock(31 * 60 - 2)  # due in 2 s of real time; no request after this one

    receiver.wait_for(1, timeout=6)

    [event] = receiver.events()
    assert (event["type"], event["data"]["object"]["id"]) == ("checkout.session.expired", due.id)


def test_sessions_with_the_default_lifetime_stay_open_for_a_day(api, make_session, proc):
    session = make_session()
    proc.advance_clock(24 * 3600 - 60)
    assert api.v1.checkout.sessions.retrieve(session.id).status == "open"
    proc.advance_clock(60)
    assert expired_events(api)[0].data.object.id == session.id

import urllib.error
import urllib.request

DECLINED_CARD = "4000000000000002"


def fetch(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url) as response:
        return response.status, response.read().decode()


def test_page_shows_product_amount_and_accessible_form(make_session):
    session = make_session()
    status, html = fetch(session.url)

    assert status == 200
    assert "Job posting" in html
    assert "USD 99.00" in html
    assert '<label for="card_number">Card number</label>' in html
    assert f'action="/checkout/{session.id}/pay"' in html
    assert '<button type="submit">Pay</button>' in html
    assert f'href="/checkout/{session.id}/cancel">Cancel</a>' in html


def test_paying_with_4242_completes_the_session(api, make_session, proc):
    session = make_session()
    status, location = proc.pay(session.id, card="4242 4242 4242 4242")

    assert status == 303
    assert location == f"http://app.test/success?session_id={session.id}"
    paid = api.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.startswith("pi_")

    [event] = api.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert event.id.startswith("evt_")
    assert event.data.object.id == session.id
    assert event.data.object.payment_status == "paid"

    status, html = fetch(proc.checkout_url_for(session.id))
    assert "already paid" in html and "http://app.test/success?session_id=" in html
    status, body = proc.pay(session.id)
    assert status == 400 and "can no longer be paid" in body


def test_declined_card_keeps_the_session_open(api, make_session, proc):
    session = make_session()
    status, html = proc.pay(session.id, card=DECLINED_CARD)

    assert status == 402
    assert 'role="alert"' in html and "Your card was declined." in html
    assert 'name="card_number"' in html
    still_open = api.v1.checkout.sessions.retrieve(session.id)
    assert (still_open.status, still_open.payment_status) == ("open", "unpaid")
    intent = api.v1.payment_intents.retrieve(still_open.payment_intent)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "card_declined"

    assert proc.pay(session.id)[0] == 303  # a good card afterwards still works
    intent = api.v1.payment_intents.retrieve(still_open.payment_intent)
    assert intent.status == "succeeded" and intent.last_payment_error is None


def test_invalid_card_number(make_session, proc):
    status, html = proc.pay(make_session().id, card="1234")
    assert status == 400 and "Your card number is invalid." in html


def test_cancel_redirects_to_cancel_url_and_leaves_session_open(api, make_session, proc):
    session = make_session()
    request = urllib.request.Request(proc.cancel_url_for(session.id))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        opener.open(request)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 303
        assert redirect.headers["Location"] == "http://app.test/cancel"
    assert api.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_expired_session_page_says_so(api, make_session, proc):
    session = make_session()
    api.v1.checkout.sessions.expire(session.id)
    status, html = fetch(proc.checkout_url_for(session.id))
    assert status == 200 and "expired" in html and 'name="card_number"' not in html

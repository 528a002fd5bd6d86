"""fakestripe offers delayed payment methods as Checkout offers them (fakestripe/delayed.py)."""

import pytest
import stripe


def event_types(api):
    return [event.type for event in reversed(api.v1.events.list(params={"limit": 100}).data)]


def eur_session(make_session, **overrides):
    return make_session(
        line_items=[
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 9900,
                    "product_data": {"name": "Job posting"},
                },
                "quantity": 1,
            }
        ],
        **overrides,
    )


@pytest.mark.parametrize(
    ("currency", "offered"),
    [
        ("usd", ["card", "us_bank_account"]),
        ("eur", ["card", "sepa_debit"]),
        ("gbp", ["card", "bacs_debit"]),
        ("jpy", ["card"]),
    ],
)
def test_without_payment_method_types_the_dashboards_choice_is_offered(
    make_session, currency, offered
):
    item = {
        "price_data": {"currency": currency, "unit_amount": 9900, "product_data": {"name": "x"}},
        "quantity": 1,
    }
    assert make_session(line_items=[item]).payment_method_types == offered


def test_the_payment_method_types_passed_are_offered(make_session, proc):
    session = eur_session(make_session, payment_method_types=["card", "sepa_debit"])
    assert session.payment_method_types == ["card", "sepa_debit"]
    page = proc._request("GET", f"/checkout/{session.id}")[2].decode()
    assert "Pay by SEPA Direct Debit" in page

    card_only = make_session(payment_method_types=["card"])
    assert card_only.payment_method_types == ["card"]
    page = proc._request("GET", f"/checkout/{card_only.id}")[2].decode()
    assert "Direct Debit" not in page
    assert proc.pay_delayed(card_only.id, "us_bank_account")[0] == 400


def test_a_delayed_method_for_another_currency_is_refused(make_session):
    with pytest.raises(stripe.InvalidRequestError, match="cannot be used with currency `usd`"):
        make_session(payment_method_types=["card", "sepa_debit"])
    with pytest.raises(stripe.InvalidRequestError, match="payment_method_types"):
        make_session(payment_method_types=["card", "carrier_pigeon"])


def test_paying_by_a_delayed_method_completes_unpaid_and_processing(api, make_session, proc):
    session = eur_session(make_session, payment_method_types=["card", "sepa_debit"])

    status, location = proc.pay_delayed(session.id, "sepa_debit")

    assert status == 303 and session.id in location
    session = api.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "unpaid")
    intent = api.v1.payment_intents.retrieve(
        session.payment_intent, params={"expand": ["latest_charge"]}
    )
    assert intent.status == "processing" and intent.amount_received == 0
    assert intent.latest_charge.status == "pending"
    assert intent.latest_charge.payment_method_details.type == "sepa_debit"
    assert event_types(api) == [
        "payment_intent.created",  # Checkout makes it when the form is submitted
        "payment_intent.processing",
        "charge.pending",
        "checkout.session.completed",
    ]
    with pytest.raises(stripe.InvalidRequestError):  # nothing to refund yet
        api.v1.refunds.create(params={"payment_intent": intent.id})


def test_the_money_arriving_settles_it_succeeded(api, make_session, proc):
    session = eur_session(make_session)
    proc.pay_delayed(session.id, "sepa_debit")

    settled = proc.async_result(session.id, succeeded=True)

    assert settled["payment_status"] == "paid"
    intent = api.v1.payment_intents.retrieve(
        settled["payment_intent"], params={"expand": ["latest_charge"]}
    )
    assert (intent.status, intent.amount_received) == ("succeeded", 9900)
    assert (intent.latest_charge.status, intent.latest_charge.paid) == ("succeeded", True)
    assert event_types(api)[-3:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.async_payment_succeeded",
    ]
    assert api.v1.refunds.create(params={"payment_intent": intent.id}).amount == 9900
    with pytest.raises(RuntimeError, match="400"):
        proc.async_result(session.id, succeeded=False)  # settled once


def test_a_failed_debit_settles_it_failed(api, make_session, proc):
    session = eur_session(make_session)
    proc.pay_delayed(session.id, "sepa_debit")

    settled = proc.async_result(session.id, succeeded=False)

    assert (settled["status"], settled["payment_status"]) == ("complete", "unpaid")
    intent = api.v1.payment_intents.retrieve(
        settled["payment_intent"], params={"expand": ["latest_charge"]}
    )
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "insufficient_funds"
    assert (intent.latest_charge.status, intent.latest_charge.failure_code) == (
        "failed",
        "insufficient_funds",
    )
    assert event_types(api)[-3:] == [
        "charge.failed",
        "payment_intent.payment_failed",
        "checkout.session.async_payment_failed",
    ]


def test_a_session_paid_by_card_has_nothing_to_settle(make_session, proc):
    session = make_session()
    proc.pay(session.id)
    with pytest.raises(RuntimeError, match="400"):
        proc.async_result(session.id, succeeded=True)

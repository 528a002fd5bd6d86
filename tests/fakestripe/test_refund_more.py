"""Refunds beyond the API's own (fakestripe.refund_more): partial ones with charge.refunded,
refunds from "the Dashboard", and early fraud warnings."""

import pytest
import stripe


@pytest.fixture
def charge_id(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    return api.v1.payment_intents.retrieve(intent_id).latest_charge


def events(api, event_type):
    return api.v1.events.list(params={"type": event_type}).data


def test_a_partial_refund_sends_charge_refunded_with_what_is_refunded_so_far(api, charge_id):
    api.v1.refunds.create(params={"charge": charge_id, "amount": 1000})
    api.v1.refunds.create(params={"charge": charge_id, "amount": 2000})

    first, second = reversed(events(api, "charge.refunded"))
    assert (first.data.object.amount_refunded, first.data.object.refunded) == (1000, False)
    assert (second.data.object.amount_refunded, second.data.object.refunded) == (3000, False)
    rest = api.v1.refunds.create(params={"charge": charge_id})
    assert rest.amount == 6900
    assert events(api, "charge.refunded")[0].data.object.refunded is True


def test_a_dashboard_refund_full_or_partial_sends_the_events_of_any_refund(api, proc, charge_id):
    partial = proc.dashboard_refund(charge_id, amount=900)
    assert (partial["amount"], partial["status"], partial["metadata"]) == (900, "succeeded", {})
    assert [e.data.object.id for e in events(api, "refund.created")] == [partial["id"]]
    assert events(api, "charge.refunded")[0].data.object.amount_refunded == 900

    rest = proc.dashboard_refund(charge_id)

    assert rest["amount"] == 9000
    charge = api.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (9900, True)
    assert len(events(api, "charge.refunded")) == 2
    with pytest.raises(RuntimeError, match="400"):
        proc.dashboard_refund(charge_id)  # nothing left


def test_a_dashboard_refund_follows_the_refund_outcome(api, proc, charge_id):
    proc.configure(refund_outcome="pending")
    refund = proc.dashboard_refund(charge_id, amount=100)
    assert refund["status"] == "pending"
    assert events(api, "charge.refunded") == []


def test_an_early_fraud_warning_is_raised_read_and_listed_by_charge(api, proc, charge_id):
    warning = proc.early_fraud_warning(charge_id, fraud_type="unauthorized_use_of_card")

    assert warning["id"].startswith("issfr_") and warning["actionable"] is True
    read = api.v1.radar.early_fraud_warnings.retrieve(warning["id"])
    assert (read.charge, read.fraud_type) == (charge_id, "unauthorized_use_of_card")
    assert read.payment_intent == api.v1.charges.retrieve(charge_id).payment_intent
    listed = api.v1.radar.early_fraud_warnings.list(params={"charge": charge_id}).data
    assert [w.id for w in listed] == [warning["id"]]
    assert api.v1.radar.early_fraud_warnings.list(params={"charge": "ch_other"}).data == []
    [created] = events(api, "radar.early_fraud_warning.created")
    assert created.data.object.id == warning["id"]
    expanded = api.v1.radar.early_fraud_warnings.retrieve(
        warning["id"], params={"expand": ["charge"]}
    )
    assert expanded.charge.id == charge_id


def test_a_warning_stops_being_actionable_once_its_charge_is_refunded(api, proc, charge_id):
    warning = proc.early_fraud_warning(charge_id)
    api.v1.refunds.create(params={"charge": charge_id, "reason": "fraudulent"})

    assert api.v1.radar.early_fraud_warnings.retrieve(warning["id"]).actionable is False
    [updated] = events(api, "radar.early_fraud_warning.updated")
    assert updated.data.previous_attributes.actionable is True
    # A warning on a refunded charge is not actionable from the start.
    assert proc.early_fraud_warning(charge_id)["actionable"] is False


def test_bad_warnings_and_unknown_ones_are_refused(api, proc, charge_id):
    with pytest.raises(RuntimeError, match="400"):
        proc.early_fraud_warning(charge_id, fraud_type="bored")
    with pytest.raises(RuntimeError, match="404"):
        proc.early_fraud_warning("ch_missing")
    with pytest.raises(stripe.InvalidRequestError):
        api.v1.radar.early_fraud_warnings.retrieve("issfr_missing")

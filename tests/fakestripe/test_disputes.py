"""Disputes as Stripe has them: opened by the bank on a charge, answered, decided, each step
with its events; the API reads them and the merchant may accept one."""

import pytest
import stripe


@pytest.fixture
def charge_id(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    intent = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    return api.v1.payment_intents.retrieve(intent).latest_charge


def dispute_event_types(api):
    events = api.v1.events.list(params={"limit": 100}).data
    return [e.type for e in reversed(events) if e.type.startswith("charge.dispute.")]


def test_a_dispute_takes_the_funds_and_its_events_carry_the_dispute(api, proc, charge_id):
    opened = proc.open_dispute(charge_id, reason="product_not_received", amount=5000)
    assert (opened["status"], opened["amount"], opened["reason"]) == (
        "needs_response",
        5000,
        "product_not_received",
    )
    assert opened["evidence_details"]["due_by"] > opened["created"]
    [withdrawal] = opened["balance_transactions"]
    assert (withdrawal["amount"], withdrawal["fee"], withdrawal["net"]) == (-5000, 1500, -6500)
    assert dispute_event_types(api) == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    assert api.v1.charges.retrieve(charge_id).disputed is True
    with pytest.raises(RuntimeError, match="disputed already"):
        proc.open_dispute(charge_id)


def test_a_lost_dispute_keeps_the_funds_a_won_one_gives_them_back(
    api, proc, charge_id, make_session
):
    lost = proc.open_dispute(charge_id)
    proc.close_dispute(lost["id"], "lost")
    assert api.v1.disputes.retrieve(lost["id"]).status == "lost"
    assert "charge.dispute.funds_reinstated" not in dispute_event_types(api)
    with pytest.raises(RuntimeError, match="cannot close"):
        proc.close_dispute(lost["id"], "won")  # decided once

    session = make_session()
    proc.pay(session.id)
    intent = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    other = api.v1.payment_intents.retrieve(intent).latest_charge
    won = proc.open_dispute(other)
    proc.respond_to_dispute(won["id"])
    won = proc.close_dispute(won["id"], "won")
    assert [bt["amount"] for bt in won["balance_transactions"]] == [-9900, 9900]
    assert dispute_event_types(api)[-4:] == [
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]


def test_the_updated_event_says_what_changed(api, proc, charge_id):
    opened = proc.open_dispute(charge_id, inquiry=True)
    assert opened["balance_transactions"] == [] and opened["is_charge_refundable"]
    proc.escalate_dispute(opened["id"])
    [updated] = api.v1.events.list(params={"type": "charge.dispute.updated"}).data
    previous = updated.data.previous_attributes
    assert previous.status == "warning_needs_response"
    assert updated.data.object.status == "needs_response"


def test_disputes_are_listed_by_charge_and_payment_intent(api, proc, charge_id):
    opened = proc.open_dispute(charge_id)
    by_charge = api.v1.disputes.list(params={"charge": charge_id})
    by_intent = api.v1.disputes.list(params={"payment_intent": opened["payment_intent"]})
    assert [d.id for d in by_charge.data] == [d.id for d in by_intent.data] == [opened["id"]]
    assert api.v1.disputes.list(params={"charge": "ch_other"}).data == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        api.v1.disputes.retrieve("dp_missing")
    assert missing.value.code == "resource_missing"


def test_the_merchant_may_accept_a_dispute_it_is_lost(api, proc, charge_id):
    opened = proc.open_dispute(charge_id)
    accepted = api.v1.disputes.close(opened["id"])
    assert accepted.status == "lost"
    assert dispute_event_types(api)[-1] == "charge.dispute.closed"
    with pytest.raises(stripe.InvalidRequestError):
        api.v1.disputes.close(opened["id"])


def test_the_controls_refuse_what_a_bank_cannot_do(proc, charge_id):
    with pytest.raises(RuntimeError, match="no charge"):
        proc.open_dispute("ch_missing")
    with pytest.raises(RuntimeError, match="reason must be"):
        proc.open_dispute(charge_id, reason="bored")
    with pytest.raises(RuntimeError, match="amount must be"):
        proc.open_dispute(charge_id, amount=10**6)
    opened = proc.open_dispute(charge_id)
    with pytest.raises(RuntimeError, match="not an open inquiry"):
        proc.escalate_dispute(opened["id"])
    with pytest.raises(RuntimeError, match="cannot close"):
        proc.close_dispute(opened["id"], "warning_closed")
    proc.reset()
    with pytest.raises(RuntimeError, match="no dispute"):
        proc.respond_to_dispute(opened["id"])

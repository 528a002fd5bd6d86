"""Refunds have Stripe's states: a switch picks how new ones start, settle moves them on."""

import pytest


@pytest.fixture
def intent_id(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    return api.v1.checkout.sessions.retrieve(session.id).payment_intent


def events(api, event_type):
    return api.v1.events.list(params={"type": event_type}).data


def test_refunds_succeed_at_once_by_default(api, proc, intent_id):
    assert proc._control("GET", "/_fakestripe/config")["refund_outcome"] == "succeeded"
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    assert refund.status == "succeeded" and refund.failure_reason is None
    assert [e.data.object.id for e in events(api, "refund.created")] == [refund.id]
    [charge_refunded] = events(api, "charge.refunded")
    assert charge_refunded.data.object.amount_refunded == 9900


def test_a_pending_refund_leaves_the_charge_until_it_succeeds(api, proc, intent_id):
    proc.configure(refund_outcome="pending")
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    assert (refund.status, refund.pending_reason) == ("pending", "processing")
    charge = api.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    assert events(api, "charge.refunded") == []
    # What is in flight cannot be refunded twice.
    with pytest.raises(Exception, match="already been refunded"):
        api.v1.refunds.create(params={"payment_intent": intent_id})

    settled = proc.settle_refund(refund.id, "succeeded")

    assert settled["status"] == "succeeded" and settled["pending_reason"] is None
    [updated] = events(api, "refund.updated")
    assert updated.data.object.status == "succeeded"
    assert updated.data.previous_attributes.to_dict() == {
        "status": "pending",
        "pending_reason": "processing",
    }
    [charge_refunded] = events(api, "charge.refunded")
    assert (charge_refunded.data.object.amount_refunded, charge_refunded.data.object.refunded) == (
        9900,
        True,
    )
    assert api.v1.refunds.retrieve(refund.id).status == "succeeded"


def test_a_pending_refund_that_fails_frees_the_amount_again(api, proc, intent_id):
    proc.configure(refund_outcome="pending")
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})

    proc.settle_refund(refund.id, "failed", failure_reason="expired_or_canceled_card")

    refund = api.v1.refunds.retrieve(refund.id)
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    assert refund.failure_balance_transaction.startswith("txn_")
    [updated] = events(api, "refund.updated")
    assert updated.data.previous_attributes.status == "pending"
    assert updated.data.previous_attributes.failure_reason is None
    assert [e.data.object.id for e in events(api, "refund.failed")] == [refund.id]
    assert events(api, "charge.refunded") == []
    assert api.v1.charges.retrieve(refund.charge).amount_refunded == 0
    # The money can be refunded again.
    proc.configure(refund_outcome="succeeded")
    assert api.v1.refunds.create(params={"payment_intent": intent_id}).amount == 9900


def test_a_refund_that_requires_action_can_be_canceled(api, proc, intent_id):
    proc.configure(refund_outcome="requires_action")
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    assert refund.status == "requires_action"
    assert refund.next_action.type == "display_details"

    proc.settle_refund(refund.id, "canceled")

    refund = api.v1.refunds.retrieve(refund.id)
    assert (refund.status, refund.next_action) == ("canceled", None)
    assert events(api, "refund.failed") == [] and events(api, "charge.refunded") == []


def test_a_refund_asked_to_fail_is_created_pending_and_fails_later(api, proc, intent_id):
    """Real refunds are never created failed: Stripe answers pending, the failure follows."""
    proc.configure(refund_outcome="failed")
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    assert (refund.status, refund.failure_reason) == ("pending", None)

    refund = api.v1.refunds.retrieve(refund.id)  # the next request: its sweep fails it

    assert (refund.status, refund.failure_reason) == ("failed", "unknown")
    assert [e.data.object.id for e in events(api, "refund.failed")] == [refund.id]
    [updated] = events(api, "refund.updated")
    [charge_refund_updated] = events(api, "charge.refund.updated")
    assert updated.data.previous_attributes.status == "pending"
    assert charge_refund_updated.data.object.status == "failed"
    assert api.v1.charges.retrieve(refund.charge).refunded is False


def test_a_succeeded_refund_can_still_fail(api, proc, intent_id):
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    proc.settle_refund(refund.id, "failed")
    charge = api.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    assert events(api, "refund.failed")[0].data.object.failure_reason == "unknown"


def test_reset_puts_the_outcome_back_to_succeeded(proc):
    proc.configure(refund_outcome="pending")
    proc.reset()
    assert proc._control("GET", "/_fakestripe/config")["refund_outcome"] == "succeeded"


def test_bad_outcomes_and_moves_are_refused(api, proc, intent_id):
    with pytest.raises(RuntimeError, match="400"):
        proc.configure(refund_outcome="maybe")
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    with pytest.raises(RuntimeError, match="400"):
        proc.settle_refund(refund.id, "canceled")  # succeeded refunds cannot be canceled
    with pytest.raises(RuntimeError, match="400"):
        proc.settle_refund(refund.id, "failed", failure_reason="bored")
    with pytest.raises(RuntimeError, match="404"):
        proc.settle_refund("re_missing", "succeeded")

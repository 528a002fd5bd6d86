"""fakestripe's objects have the fields the installed stripe SDK's typed resources declare.

The SDK's resource classes are generated from Stripe's OpenAPI spec, so when the SDK is
upgraded and Stripe adds or drops a field, this test fails until fakestripe follows (or the
field is listed below with the reason it is left out).
"""

import inspect
import typing

import pytest
import stripe

# Declared by the SDK but deliberately absent from what fakestripe returns, as from what
# Stripe returns by default.
LEFT_OUT = {
    "checkout.session": {
        "line_items": "includable only: present when expanded (expand[]=line_items)",
    },
    "payment_intent": {},
    "charge": {
        "refunds": "includable only since API version 2022-11-15 (expand[]=refunds)",
    },
    "refund": {},
    "radar.early_fraud_warning": {},
    "dispute": {},
    "balance_transaction": {},
    "invoice": {
        "confirmation_secret": "includable only: present when expanded",
        "payments": "includable only: present when expanded (expand[]=payments)",
        "deleted": "only on a deleted invoice, which Checkout's invoices never are",
    },
    "line_item": {},
    "coupon": {"deleted": "only on a deleted coupon, which fakestripe does not delete"},
    "promotion_code": {},
    "discount": {"deleted": "only on a deleted discount, which Checkout's never are"},
    "customer": {
        "deleted": "only on a deleted customer, which fakestripe never makes",
        "sources": "includable only: present when expanded (expand[]=sources)",
        "subscriptions": "includable only: present when expanded (expand[]=subscriptions)",
        "tax": "includable only: present when expanded (expand[]=tax)",
        "tax_ids": "includable only: present when expanded (expand[]=tax_ids)",
    },
    "tax_id": {"deleted": "only on a deleted tax ID, which fakestripe never makes"},
    "event": {
        "account": "only on events of connected accounts (Connect), which are not emulated",
        "context": "only on events of connected accounts (Connect), which are not emulated",
    },
}

RESOURCES = {
    "checkout.session": stripe.checkout.Session,
    "payment_intent": stripe.PaymentIntent,
    "charge": stripe.Charge,
    "refund": stripe.Refund,
    "radar.early_fraud_warning": stripe.radar.EarlyFraudWarning,
    "dispute": stripe.Dispute,
    "balance_transaction": stripe.BalanceTransaction,
    "invoice": stripe.Invoice,
    "line_item": stripe.InvoiceLineItem,
    "coupon": stripe.Coupon,
    "promotion_code": stripe.PromotionCode,
    "discount": stripe.Discount,
    "customer": stripe.Customer,
    "tax_id": stripe.TaxId,
    "event": stripe.Event,
}


def declared_fields(resource_class) -> set[str]:
    """The public fields the SDK's typed resource declares (not ClassVars like OBJECT_NAME).

    The class's own annotations: typing.get_type_hints cannot resolve the SDK's
    TYPE_CHECKING-only forward references, and the fields' types do not matter here.
    """
    return {
        name
        for name, hint in inspect.get_annotations(resource_class).items()
        if not name.startswith("_")
        and typing.get_origin(hint) is not typing.ClassVar
        and "ClassVar" not in str(hint)
    }


@pytest.fixture
def emulated_objects(api, make_session, proc, raw_api):
    """One of each emulated object, as JSON straight off the wire."""
    coupon = api.v1.coupons.create(params={"percent_off": 10})
    code = api.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "TEN"}
    )
    session = make_session(
        invoice_creation={"enabled": True}, discounts=[{"promotion_code": code.id}]
    )
    proc.pay(session.id)
    paid = api.v1.checkout.sessions.retrieve(session.id)
    intent_id = paid.payment_intent
    refund = api.v1.refunds.create(params={"payment_intent": intent_id, "amount": 100})

    def get(path):
        status, _, body = raw_api("GET", path)
        assert status == 200, body
        return body

    intent = get(f"/v1/payment_intents/{intent_id}")
    warning = proc.early_fraud_warning(intent["latest_charge"])
    dispute = proc.open_dispute(intent["latest_charge"])
    proc.close_dispute(dispute["id"], "won")
    dispute = get(f"/v1/disputes/{dispute['id']}")
    customer = api.v1.customers.create(
        params={
            "address": {"country": "DE"},
            "tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}],
        }
    )
    return {
        "checkout.session": get(f"/v1/checkout/sessions/{session.id}"),
        "payment_intent": intent,
        "charge": get(f"/v1/charges/{intent['latest_charge']}"),
        "refund": get(f"/v1/refunds/{refund.id}"),
        "radar.early_fraud_warning": get(f"/v1/radar/early_fraud_warnings/{warning['id']}"),
        "dispute": dispute,
        # A dispute lists its balance transactions whole (withdrawn, then reinstated).
        "balance_transaction": dispute["balance_transactions"][-1],
        "invoice": get(f"/v1/invoices/{paid.invoice}"),
        "line_item": get(f"/v1/invoices/{paid.invoice}")["lines"]["data"][0],
        "coupon": get(f"/v1/coupons/{coupon.id}"),
        "promotion_code": get(f"/v1/promotion_codes/{code.id}"),
        "discount": get(f"/v1/checkout/sessions/{session.id}?expand[]=total_details.breakdown")[
            "total_details"
        ]["breakdown"]["discounts"][0]["discount"],
        "event": get("/v1/events")["data"][0],
        "customer": get(f"/v1/customers/{customer.id}"),
        "tax_id": get(f"/v1/customers/{customer.id}/tax_ids")["data"][0],
    }


def test_the_sdk_still_declares_what_we_leave_out():
    for object_name, left_out in LEFT_OUT.items():
        stale = set(left_out) - declared_fields(RESOURCES[object_name])
        assert not stale, f"{object_name}: no longer in the SDK, drop from LEFT_OUT: {stale}"


@pytest.mark.parametrize("object_name", list(RESOURCES))
def test_fields_match_the_sdks_typed_resource(emulated_objects, object_name):
    returned = set(emulated_objects[object_name])
    expected = declared_fields(RESOURCES[object_name]) - set(LEFT_OUT[object_name])

    missing = sorted(expected - returned)
    unknown = sorted(returned - expected - set(LEFT_OUT[object_name]))
    assert not missing, f"{object_name}: fakestripe lacks fields the SDK declares: {missing}"
    assert not unknown, f"{object_name}: fakestripe returns fields the SDK lacks: {unknown}"
    assert not set(LEFT_OUT[object_name]) & returned
    assert emulated_objects[object_name]["object"] == object_name


def test_every_event_type_carries_an_object_of_the_same_shape(api, make_session, proc, raw_api):
    """Objects inside events are the emulated objects themselves, with the same fields: a
    declined card, then a card payment (its five events), then a refund settled later."""
    proc.configure(refund_outcome="pending")
    session = make_session(invoice_creation={"enabled": True})
    proc.pay(session.id, card="4000000000000002")
    proc.pay(session.id)
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    proc.early_fraud_warning(api.v1.payment_intents.retrieve(intent_id).latest_charge)
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    proc.settle_refund(refund.id, "succeeded")  # the warning is no longer actionable

    _, _, events = raw_api("GET", "/v1/events?limit=100")
    seen = set()
    for event in events["data"]:
        assert set(event) == declared_fields(stripe.Event) - set(LEFT_OUT["event"])
        obj = event["data"]["object"]
        seen.add(event["type"])
        expected = declared_fields(RESOURCES[obj["object"]]) - set(LEFT_OUT[obj["object"]])
        assert set(obj) == expected, event["type"]
        assert set(event["data"]) == (
            {"object", "previous_attributes"} if event["type"].endswith(".updated") else {"object"}
        )
        assert set(event["data"].get("previous_attributes", {})) <= expected
    assert seen == {
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
        "charge.succeeded",
        "payment_intent.succeeded",
        "charge.updated",
        "checkout.session.completed",
        "refund.created",
        "refund.updated",
        "charge.refund.updated",
        "charge.refunded",
        "radar.early_fraud_warning.created",
        "radar.early_fraud_warning.updated",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
    }


def test_dispute_events_carry_the_dispute_and_its_nested_objects_in_stripes_shape(
    api, make_session, proc, raw_api
):
    """Every event of a dispute's life (inquiry escalated, evidence, won; and one lost)
    carries a whole Dispute; its nested objects have the fields the SDK declares."""
    from stripe._dispute import Dispute

    charges = []
    for _ in range(2):
        session = make_session()
        proc.pay(session.id)
        intent = api.v1.payment_intents.retrieve(
            api.v1.checkout.sessions.retrieve(session.id).payment_intent
        )
        charges.append(intent.latest_charge)
    won = proc.open_dispute(charges[0], inquiry=True)
    proc.escalate_dispute(won["id"])
    proc.respond_to_dispute(won["id"])
    proc.close_dispute(won["id"], "won")
    lost = proc.open_dispute(charges[1], reason="product_not_received")
    proc.close_dispute(lost["id"], "lost")

    _, _, events = raw_api("GET", "/v1/events?types[]=charge.dispute.*&limit=100")
    seen = [event["type"] for event in reversed(events["data"])]
    assert seen == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.closed",
    ]
    nested = {
        "evidence": Dispute.Evidence,
        "evidence_details": Dispute.EvidenceDetails,
        "payment_method_details": Dispute.PaymentMethodDetails,
    }
    for event in events["data"]:
        obj = event["data"]["object"]
        assert set(obj) == declared_fields(stripe.Dispute), event["type"]
        for name, resource_class in nested.items():
            assert set(obj[name]) == declared_fields(resource_class), (event["type"], name)
        assert set(obj["payment_method_details"]["card"]) == declared_fields(
            Dispute.PaymentMethodDetails.Card
        )
        for transaction in obj["balance_transactions"]:
            assert set(transaction) == declared_fields(stripe.BalanceTransaction)
    # The SDK reads them as typed disputes, and the charge says it is disputed.
    dispute = api.v1.disputes.retrieve(won["id"])
    assert (dispute.status, dispute.evidence_details.submission_count) == ("won", 1)
    assert [bt.amount for bt in dispute.balance_transactions] == [-9900, 9900]
    assert api.v1.charges.retrieve(charges[0]).disputed is True
    listed = api.v1.disputes.list(params={"charge": charges[1]})
    assert [d.id for d in listed.data] == [lost["id"]] and listed.data[0].status == "lost"


@pytest.mark.parametrize("succeeded", [True, False])
def test_delayed_payment_objects_and_events_have_the_sdks_fields(
    api, make_session, proc, raw_api, succeeded
):
    """A session paid by a delayed method (fakestripe/delayed.py), its processing
    PaymentIntent and pending charge, then settled, and every event they sent: the same
    fields as the SDK's typed resources."""
    item = {
        "price_data": {"currency": "eur", "unit_amount": 9900, "product_data": {"name": "x"}},
        "quantity": 1,
    }
    session = make_session(line_items=[item], payment_method_types=["card", "sepa_debit"])
    proc.pay_delayed(session.id, "sepa_debit")

    def get(path):
        status, _, body = raw_api("GET", path)
        assert status == 200, body
        return body

    def check(obj):
        name = obj["object"]
        assert set(obj) == declared_fields(RESOURCES[name]) - set(LEFT_OUT[name]), name

    intent_id = get(f"/v1/checkout/sessions/{session.id}")["payment_intent"]
    processing = get(f"/v1/payment_intents/{intent_id}")
    for obj in (processing, get(f"/v1/charges/{processing['latest_charge']}")):
        check(obj)
    proc.async_result(session.id, succeeded=succeeded)
    check(get(f"/v1/payment_intents/{intent_id}"))

    events = get("/v1/events?limit=100")["data"]
    for event in events:
        check(event)
        check(event["data"]["object"])
    ending = "succeeded" if succeeded else "failed"
    assert {event["type"] for event in events} == {
        "payment_intent.created",
        "payment_intent.processing",
        "charge.pending",
        "checkout.session.completed",
        f"charge.{ending}",
        "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
        f"checkout.session.async_payment_{ending}",
    }

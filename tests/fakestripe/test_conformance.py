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
    session = make_session()
    proc.pay(session.id)
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    refund = api.v1.refunds.create(params={"payment_intent": intent_id, "amount": 100})

    def get(path):
        status, _, body = raw_api("GET", path)
        assert status == 200, body
        return body

    intent = get(f"/v1/payment_intents/{intent_id}")
    return {
        "checkout.session": get(f"/v1/checkout/sessions/{session.id}"),
        "payment_intent": intent,
        "charge": get(f"/v1/charges/{intent['latest_charge']}"),
        "refund": get(f"/v1/refunds/{refund.id}"),
        "event": get("/v1/events")["data"][0],
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
    """Objects inside events are the emulated objects themselves, with the same fields."""
    proc.configure(refund_outcome="pending")
    session = make_session()
    proc.pay(session.id)
    intent_id = api.v1.checkout.sessions.retrieve(session.id).payment_intent
    refund = api.v1.refunds.create(params={"payment_intent": intent_id})
    proc.settle_refund(refund.id, "succeeded")

    _, _, events = raw_api("GET", "/v1/events?limit=100")
    kinds = {
        "checkout.session": stripe.checkout.Session,
        "charge": stripe.Charge,
        "refund": stripe.Refund,
    }
    seen = set()
    for event in events["data"]:
        obj = event["data"]["object"]
        seen.add(event["type"])
        expected = declared_fields(kinds[obj["object"]]) - set(LEFT_OUT[obj["object"]])
        assert set(obj) == expected, event["type"]
        assert set(event["data"]) == (
            {"object", "previous_attributes"} if event["type"].endswith(".updated") else {"object"}
        )
    assert seen == {
        "checkout.session.completed",
        "refund.created",
        "refund.updated",
        "charge.refunded",
    }


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
        "payment_intent.processing",
        "charge.pending",
        "checkout.session.completed",
        f"charge.{ending}",
        "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
        f"checkout.session.async_payment_{ending}",
    }

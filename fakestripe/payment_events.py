"""The events of a payment, as Stripe sends them besides checkout.session.completed.

A card payment through Checkout: payment_intent.created (when the customer submits the
form: Checkout creates the PaymentIntent then), charge.succeeded (its balance_transaction
still null), payment_intent.succeeded, then charge.updated once the balance transaction
is attached (data.previous_attributes {"balance_transaction": null}). A declined attempt:
charge.failed and payment_intent.payment_failed; the session stays open for another try.
The events of one operation are sent in any order (fakestripe.event_order).

Callers must hold ``store.lock``.
"""

from .store import Store


def intent_created(store: Store, payment_intent: dict):
    store.record_event("payment_intent.created", payment_intent)


def payment_succeeded(store: Store, payment_intent: dict, charge: dict):
    balance_transaction = charge["balance_transaction"]
    charge["balance_transaction"] = None
    store.record_event("charge.succeeded", charge)
    store.record_event("payment_intent.succeeded", payment_intent)
    charge["balance_transaction"] = balance_transaction
    store.record_event("charge.updated", charge, previous_attributes={"balance_transaction": None})


def payment_failed(store: Store, payment_intent: dict, charge: dict):
    store.record_event("charge.failed", charge)
    store.record_event("payment_intent.payment_failed", payment_intent)

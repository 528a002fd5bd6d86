"""Promotion codes through fakestripe: Checkout offers the field, the discount is recorded
on the payment, and a code that makes the total zero publishes through the same
fulfilment (return URL, webhook, reconciler), once, with no PaymentIntent."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, return_path, session_id_from
from tests.integration.test_webhooks import deliver
from wizard.models import JobPosting, PaymentAttempt, Status, TransitionLog
from wizard.payments import discounts

pytestmark = pytest.mark.django_db


def make_code(code, **coupon):
    api = stripe_api()
    made = api.v1.coupons.create(params={"duration": "once", **coupon})
    return api.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": made.id}, "code": code}
    )


@pytest.fixture
def paying(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting, session_id_from(press_pay(client, posting))


def reconcile():
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    return out.getvalue()


def completed_event(session_id):
    events = stripe_api().v1.events.list(params={"type": "checkout.session.completed"})
    (event,) = [e for e in events.data if e.data.object.id == session_id]
    return json.dumps(event.to_dict()).encode()


def test_checkout_offers_promotion_codes(paying):
    _, session_id = paying
    assert stripe_api().v1.checkout.sessions.retrieve(session_id).allow_promotion_codes is True


def test_with_the_setting_off_checkout_offers_no_promotion_codes(client, fakestripe, settings):
    settings.STRIPE_PROMOTION_CODES = False
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.allow_promotion_codes is None
    assert (
        "Add promotion code"
        not in fakestripe._request("GET", f"/checkout/{session_id}")[2].decode()
    )


def test_a_20_percent_code_is_recorded_on_the_payment(client, paying, fakestripe, run_tasks):
    posting, session_id = paying
    make_code("SPRING", percent_off=20)
    assert fakestripe.enter_promotion_code(session_id, "SPRING")[0] == 303
    status, location = fakestripe.pay(session_id)
    assert status == 303
    client.get(return_path(location))

    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    price = attempt.list_price
    assert attempt.discount == price // 5 and attempt.amount == price - price // 5
    assert attempt.promotion_code == "SPRING" and attempt.payment_intent_id.startswith("pi_")
    assert attempt.amount == attempt.list_price - attempt.discount + attempt.tax

    # The webhook and the reconciler find it applied: published once.
    assert deliver(client, completed_event(session_id)).status_code == 200
    run_tasks()
    reconcile()
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    again = PaymentAttempt.objects.get(pk=attempt.pk)
    assert (again.amount, again.discount, again.promotion_code) == (
        attempt.amount,
        attempt.discount,
        "SPRING",
    )


def test_a_100_percent_code_publishes_through_the_webhook_without_a_payment(
    client, paying, fakestripe, run_tasks
):
    posting, session_id = paying
    make_code("FREE", percent_off=100)
    fakestripe.apply_promotion_code(session_id, "FREE")
    assert fakestripe.pay(session_id, card="")[0] == 303  # "Complete order": no card

    assert deliver(client, completed_event(session_id)).status_code == 200  # never came back
    run_tasks()
    posting.refresh_from_db()
    assert posting.status in (Status.IN_REVIEW, Status.CONFIRMED)
    attempt = posting.current_attempt
    assert attempt.is_settled and not attempt.is_paid and attempt.payment_intent_id == ""
    assert (attempt.amount, attempt.discount) == (0, attempt.list_price)
    assert attempt.promotion_code == "FREE"

    # The return URL and the reconciler, later, change nothing.
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    client.get(return_path(session.success_url.replace("{CHECKOUT_SESSION_ID}", session_id)))
    assert reconcile().strip() == "0 difference(s)"
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert PaymentAttempt.objects.get(pk=attempt.pk).promotion_code == "FREE"


def test_a_100_percent_code_found_by_the_reconciler_is_published(paying, fakestripe):
    posting, session_id = paying
    make_code("FREE", amount_off=10**9, currency=posting_currency(posting))
    fakestripe.apply_promotion_code(session_id, "FREE")
    fakestripe.complete_session(session_id)  # no webhook URL: the event never arrives

    assert "-> fulfilled" in reconcile()
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    assert attempt.state == PaymentAttempt.State.PAID and attempt.amount == 0
    assert reconcile().strip() == "0 difference(s)"
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1


def test_an_invalid_code_on_the_hosted_page_changes_nothing(paying, fakestripe):
    posting, session_id = paying
    status, html = fakestripe.enter_promotion_code(session_id, "NOSUCHCODE")
    assert status == 400 and "not valid" in html
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.total_details.amount_discount == 0 and session.discounts == []
    assert JobPosting.objects.get(pk=posting.pk).status == Status.AWAITING_PAYMENT


def test_a_code_stripe_does_not_name_is_recorded_as_none(client, paying, fakestripe, monkeypatch):
    """Stripe refuses the expansion: the payment is recorded all the same, its code ""."""
    posting, session_id = paying
    make_code("SPRING", percent_off=20)
    fakestripe.apply_promotion_code(session_id, "SPRING")
    status, location = fakestripe.pay(session_id)
    monkeypatch.setattr(discounts, "EXPAND", ("discounts.nothing_here",))
    client.get(return_path(location))
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    assert attempt.state == PaymentAttempt.State.PAID
    assert attempt.discount > 0 and attempt.promotion_code == ""


def posting_currency(posting):
    return JobPosting.objects.get(pk=posting.pk).current_attempt.currency

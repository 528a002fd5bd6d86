"""Paying through the real stripe SDK against fakestripe, with the test client."""

import time
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import stripe
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import VALID_DETAILS, step_url, stripe_api
from tests.factories import own, posting_at
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, Status, TransitionLog
from wizard.payments.fulfilment import FulfilOutcome, fulfil
from wizard.providers.siteverify import field_name, fresh_test_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def pay_form(posting):
    """What the payment page's form sends: the content the employer reviewed, and the bot
    check's field as the widget (botcheck.js, locally) fills it."""
    reviewed = JobPosting.objects.get(pk=posting.pk).content_digest
    return {"reviewed": reviewed, field_name(): fresh_test_token()}


def press_pay(client, posting):
    response = client.post(step_url("payment", posting), pay_form(posting))
    assert response.status_code == 302, response.content
    return response["Location"]


def session_params(*, name, unit_amount):
    """A Checkout Session's parameters made outside the app: one USD line item."""
    return {
        "mode": "payment",
        "success_url": "http://x/",
        "cancel_url": "http://x/",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "usd",
                    "unit_amount": unit_amount,
                    "product_data": {"name": name},
                },
            }
        ],
    }


def session_id_from(checkout_url):
    return urlparse(checkout_url).path.rstrip("/").split("/")[-1]


def return_path(location):
    """The app-relative part of fakestripe's redirect to success_url."""
    parsed = urlparse(location)
    return f"{parsed.path}?{parsed.query}"


def pay_and_return(client, posting, fakestripe, card="4242424242424242"):
    checkout_url = press_pay(client, posting)
    status, location = fakestripe.pay(session_id_from(checkout_url), card)
    assert status == 303, location
    return client.get(return_path(location))


def test_the_payment_page_reviews_the_posting_and_its_price(client, posting, settings):
    settings.POSTING_PRICE_AMOUNT = 12345
    response = client.get(step_url("payment", posting))
    assert b"Senior Django Engineer" in response.content
    assert b"USD 123.45" in response.content


def test_pay_creates_a_checkout_session_from_settings_and_redirects_to_it(
    client, posting, fakestripe, settings
):
    settings.POSTING_PRICE_AMOUNT = 4900
    settings.POSTING_PRICE_CURRENCY = "eur"
    checkout_url = press_pay(
        client,
        posting,
    )
    assert checkout_url.startswith(fakestripe.url + "/checkout/cs_")

    session = stripe_api().v1.checkout.sessions.retrieve(session_id_from(checkout_url))
    posting.refresh_from_db()
    assert posting.status == Status.AWAITING_PAYMENT
    assert posting.current_attempt.session_id == session.id
    attempt = posting.current_attempt
    assert (attempt.amount, attempt.currency, attempt.number) == (4900, "eur", 1)
    assert (session.mode, session.amount_total, session.currency) == ("payment", 4900, "eur")
    assert session.client_reference_id == str(posting.pk)
    assert session.metadata.to_dict() == {"posting_id": str(posting.pk), "attempt": "1"}
    lifetime = session.expires_at - time.time()
    assert 30 * 60 <= lifetime <= 31 * 60 + 5
    assert session.success_url.endswith(
        reverse("wizard:payment_return", args=[posting.pk]) + "?session_id={CHECKOUT_SESSION_ID}"
    )
    assert session.cancel_url.endswith(step_url("payment", posting) + "?cancelled=1")


def test_the_client_cannot_choose_the_amount(client, posting, fakestripe):
    response = client.post(
        step_url("payment", posting), {"amount": "1", "price_amount": "1", **pay_form(posting)}
    )
    session = stripe_api().v1.checkout.sessions.retrieve(session_id_from(response["Location"]))
    assert session.amount_total == 9900


def test_the_create_request_is_keyed_by_posting_and_attempt(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    posting.refresh_from_db()
    # Replaying the app's request with its key returns the same session, not a new one.
    key = PaymentAttempt.key_for(posting.pk, posting.current_attempt.number)
    assert key == f"jobwizard-checkout-{posting.pk}-1"
    with pytest.raises(stripe.IdempotencyError):
        stripe_api().v1.checkout.sessions.create(
            params=session_params(name="other", unit_amount=1),
            options={"idempotency_key": key},
        )
    assert JobPosting.objects.get().current_attempt.session_id == session_id


def test_pressing_pay_again_reuses_the_open_session(client, posting, fakestripe):
    first = press_pay(client, posting)
    second = press_pay(client, posting)
    assert first == second
    assert JobPosting.objects.get().current_attempt.number == 1


def test_an_expired_session_starts_a_new_attempt(client, posting, fakestripe):
    first = session_id_from(press_pay(client, posting))
    stripe_api().v1.checkout.sessions.expire(first)
    second = session_id_from(press_pay(client, posting))
    assert second != first
    posting.refresh_from_db()
    assert (posting.current_attempt.number, posting.current_attempt.session_id) == (2, second)


def test_paying_and_returning_marks_the_posting_paid_once_and_queues_the_email(
    client, posting, fakestripe
):
    response = pay_and_return(client, posting, fakestripe)
    assert response.status_code == 302
    assert response["Location"] == step_url("confirmation", posting)
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    assert posting.current_attempt.payment_intent_id.startswith("pi_")
    assert DBTaskResult.objects.filter(task_path="wizard.jobs.runner.run_job").count() == 1

    # The return URL reloaded is a no-op.
    session_id = posting.current_attempt.session_id
    again = client.get(
        reverse("wizard:payment_return", args=[posting.pk]) + f"?session_id={session_id}"
    )
    assert again["Location"] == step_url("confirmation", posting)
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert DBTaskResult.objects.count() == 1


def test_the_worker_sends_the_confirmation_and_confirms(client, posting, fakestripe, run_tasks):
    pay_and_return(client, posting, fakestripe)
    assert mail.outbox == []
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["hiring@acme.example"]
    assert "Senior Django Engineer" in email.subject
    assert "USD 99.00" in email.body and posting.reference in email.body
    assert list(TransitionLog.objects.values_list("target", "actor")) == [
        ("awaiting_payment", "employer"),
        ("paid", "employer"),
        ("confirmed", "system"),
        ("in_review", "system"),
    ]
    # Running the queue again sends nothing more.
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_failing_mailer_keeps_the_posting_paid_and_schedules_a_retry(
    client, posting, fakestripe, run_tasks, settings
):
    settings.MAILERS = {"default": {"BACKEND": "tests.integration.test_payment.BrokenMailer"}}
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    record = posting.jobs.get()
    assert (record.state, record.attempts) == ("queued", 1)
    assert "SMTP is down" in record.last_error
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now()


class BrokenMailer:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SMTP is down")


def test_the_return_url_with_an_unpaid_session_changes_nothing(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    response = client.get(
        reverse("wizard:payment_return", args=[posting.pk]) + f"?session_id={session_id}"
    )
    assert response["Location"] == step_url("payment", posting)
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    assert not DBTaskResult.objects.exists()


def test_the_return_url_with_a_foreign_paid_session_changes_nothing(client, posting, fakestripe):
    other = posting_at(Status.READY_TO_PAY)
    own(client, other)
    other_session = session_id_from(press_pay(client, other))
    fakestripe.pay(other_session)
    press_pay(client, posting)

    response = client.get(
        reverse("wizard:payment_return", args=[posting.pk]) + f"?session_id={other_session}"
    )
    assert response["Location"] == step_url("payment", posting)
    assert JobPosting.objects.get(pk=posting.pk).status == Status.AWAITING_PAYMENT
    assert JobPosting.objects.get(pk=other.pk).status == Status.AWAITING_PAYMENT


@pytest.mark.parametrize("session_id", ["cs_test_doesnotexist", "", "../../v1/refunds"])
def test_the_return_url_with_a_made_up_session_changes_nothing(
    client, posting, fakestripe, session_id
):
    press_pay(client, posting)
    response = client.get(
        reverse("wizard:payment_return", args=[posting.pk]), {"session_id": session_id}
    )
    assert response["Location"] == step_url("payment", posting)
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_a_declined_card_leaves_the_posting_ready_for_another_try(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    status, body = fakestripe.pay(session_id, "4000000000000002")
    assert status == 402 and "declined" in body
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    status, location = fakestripe.pay(session_id)
    assert client.get(return_path(location))["Location"] == step_url("confirmation", posting)


def test_cancelling_at_the_hosted_page_returns_to_payment_with_a_message(
    client, posting, fakestripe
):
    session_id = session_id_from(press_pay(client, posting))
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    response = client.get(return_path(session.cancel_url), follow=True)
    assert b"Payment cancelled. You have not been charged." in response.content
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_editing_details_while_a_checkout_is_open_expires_it(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    response = client.post(step_url("details", posting), {**VALID_DETAILS, "title": "Changed"})
    assert response["Location"] == step_url("payment", posting)
    posting.refresh_from_db()
    assert (posting.status, posting.title) == (Status.READY_TO_PAY, "Changed")
    assert stripe_api().v1.checkout.sessions.retrieve(session_id).status == "expired"
    # The old session can no longer be paid; paying again opens a new attempt.
    assert fakestripe.pay(session_id)[0] == 400
    assert session_id_from(press_pay(client, posting)) != session_id


def test_editing_after_the_session_was_paid_goes_to_confirmation(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)  # paid, but the employer never came back through the return URL
    response = client.post(step_url("details", posting), {**VALID_DETAILS, "title": "Changed"})
    assert response["Location"] == step_url("confirmation", posting)
    posting.refresh_from_db()
    assert (posting.status, posting.title) == (Status.IN_REVIEW, "Senior Django Engineer")


def test_payment_provider_down_shows_a_friendly_error_and_changes_nothing(
    client, posting, settings, fakeproviders
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    response = client.post(step_url("payment", posting), pay_form(posting))
    assert response.status_code == 503
    assert b"payment provider is unavailable" in response.content
    posting.refresh_from_db()
    assert posting.status == Status.READY_TO_PAY
    assert not posting.current_attempt.session_id


def test_a_reservation_is_reused_when_the_create_response_was_lost(
    client, posting, fakestripe, settings
):
    good_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    client.post(step_url("payment", posting), pay_form(posting))
    posting.refresh_from_db()
    assert (posting.current_attempt.number, posting.current_attempt.session_id) == (1, "")
    settings.STRIPE_API_BASE = good_base
    press_pay(client, posting)
    posting.refresh_from_db()
    assert posting.current_attempt.number == 1
    assert posting.current_attempt.session_id


def test_a_stale_reservation_is_replaced(client, posting, fakestripe, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    client.post(step_url("payment", posting), pay_form(posting))
    PaymentAttempt.objects.filter(posting=posting).update(
        expires_at=timezone.now() + timedelta(minutes=29)
    )
    settings.STRIPE_API_BASE = fakestripe.url
    session_id = session_id_from(press_pay(client, posting))
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.metadata["attempt"] == "2"


@pytest.mark.parametrize("reference", ["not-a-uuid", "00000000-0000-4000-8000-000000000000", None])
def test_a_paid_session_naming_no_posting_here_is_foreign_and_changes_nothing(
    fakestripe, reference
):
    """Stripe's word for a session paid in the same account for something else (another
    app, a deleted posting): fulfil finds no posting and touches none."""
    params = session_params(name="something else", unit_amount=9900)
    if reference is not None:
        params["client_reference_id"] = reference
    session = stripe_api().v1.checkout.sessions.create(params=params)
    fakestripe.pay(session.id)
    bystander = posting_at(Status.AWAITING_PAYMENT)

    assert fulfil(session.id, by=Actor.system()) is FulfilOutcome.FOREIGN_SESSION
    assert JobPosting.objects.get(pk=bystander.pk).status == Status.AWAITING_PAYMENT
    assert not Refund.objects.exists()

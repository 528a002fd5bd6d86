"""Delayed payment methods (SEPA Debit, ACH, Bacs, boleto…), through the real stripe SDK
against fakestripe: a checkout completed unpaid puts the posting in payment processing,
where nothing charges twice and nothing abandons it, until Stripe says how it ended."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import VALID_DETAILS, step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form, press_pay, return_path, session_id_from
from tests.integration.test_refunds import latest_event
from tests.integration.test_webhooks import deliver
from tests.unit.test_settings_env import fresh_settings
from wizard.flow import edits
from wizard.flow.order import FLOW
from wizard.maintenance.sweepers import sweep_abandoned_drafts
from wizard.models import JobPosting, PaymentAttempt, Refund, Status, TransitionLog
from wizard.payments import methods
from wizard.postings import links

pytestmark = pytest.mark.django_db

ACH = "us_bank_account"  # the delayed method fakestripe's Dashboard stand-in offers in USD


@pytest.fixture
def posting(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def pay_by_bank(client, posting, fakestripe, method=ACH):
    """Pay on the hosted page with a delayed method; returns (session id, return path)."""
    session_id = session_id_from(press_pay(client, posting))
    status, location = fakestripe.pay_delayed(session_id, method)
    assert status == 303, location
    return session_id, return_path(location)


def processing(client, posting, fakestripe, method=ACH):
    """A posting whose delayed payment is processing, as the employer's return leaves it."""
    session_id, back = pay_by_bank(client, posting, fakestripe, method)
    assert client.get(back)["Location"] == step_url("payment", posting)
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING
    return session_id


def sessions_at_stripe():
    return stripe_api().v1.checkout.sessions.list(params={"limit": 100}).data


def make_stale(days=400):
    JobPosting.objects.update(updated_at=timezone.now() - timedelta(days=days))


def reconcile_command(*args):
    out = StringIO()
    call_command("reconcile_payments", *args, stdout=out)
    return out.getvalue()


# --- Completed unpaid: payment processing ------------------------------------------------


def test_a_checkout_completed_unpaid_shows_the_payment_processing(client, posting, fakestripe):
    session_id = processing(client, posting, fakestripe)

    posting = JobPosting.objects.get()
    attempt = posting.current_attempt
    assert (attempt.session_id, attempt.state) == (session_id, PaymentAttempt.State.PROCESSING)
    assert attempt.payment_method_type == ACH
    assert attempt.payment_intent_id == "" and posting.paid_at is None  # not paid yet
    assert TransitionLog.objects.filter(
        transition="start_processing", source=Status.AWAITING_PAYMENT
    ).exists()

    page = client.get(step_url("payment", posting))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Payment processing" in text
    assert "ACH Direct Debit" in text and "up to 4 business days" in text
    assert 'name="pay"' not in text  # no Pay button while the money is on its way


@pytest.mark.parametrize(
    ("method", "currency", "label", "takes"),
    [
        ("sepa_debit", "eur", "SEPA Direct Debit", "up to 14 business days"),
        ("bacs_debit", "gbp", "Bacs Direct Debit", "up to 7 business days"),
    ],
)
def test_the_page_says_how_long_each_method_usually_takes(
    client, fakestripe, settings, method, currency, label, takes
):
    settings.POSTING_PRICE_CURRENCY = currency
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    processing(client, posting, fakestripe, method)
    text = client.get(step_url("payment", posting)).content.decode()
    assert label in text and takes in text


def test_the_completed_webhook_alone_starts_the_processing(client, posting, fakestripe, run_tasks):
    """The employer never came back: Stripe's checkout.session.completed (unpaid) does it."""
    pay_by_bank(client, posting, fakestripe)
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    assert deliver(client, latest_event("checkout.session.completed")).status_code == 200
    run_tasks()
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING


# --- Nothing charges twice ---------------------------------------------------------------


def test_a_second_press_of_pay_opens_no_checkout(client, posting, fakestripe):
    processing(client, posting, fakestripe)
    stale_form = pay_form(posting)  # a tab still showing the Pay button

    response = client.post(step_url("payment", posting), stale_form)

    assert response.status_code == 409
    assert "Your payment is being processed" in response.content.decode()
    assert len(sessions_at_stripe()) == 1
    assert PaymentAttempt.objects.count() == 1


def test_pay_pressed_before_any_webhook_finds_the_payment_processing(client, posting, fakestripe):
    """The employer closed Stripe's tab after paying by bank (no return, no webhook yet) and
    presses Pay again: Stripe is asked, and the payment on its way is found, not a new one."""
    pay_by_bank(client, posting, fakestripe)
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    response = client.post(step_url("payment", posting), pay_form(posting))

    assert response.status_code == 409
    assert "Your payment is being processed" in response.content.decode()
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING
    assert len(sessions_at_stripe()) == 1


def test_the_money_arriving_after_a_second_press_is_kept_not_refunded(
    client, posting, fakestripe, run_tasks
):
    session_id = processing(client, posting, fakestripe)
    client.post(step_url("payment", posting), pay_form(posting))

    fakestripe.async_result(session_id, succeeded=True)
    assert (
        deliver(client, latest_event("checkout.session.async_payment_succeeded")).status_code == 200
    )
    run_tasks()

    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert Refund.objects.count() == 0  # one debit, kept: the double charge is gone
    assert len(sessions_at_stripe()) == 1  # and no second one was ever offered


# --- Edits and the sweeper ---------------------------------------------------------------


def test_edits_are_refused_while_processing(client, posting, fakestripe):
    processing(client, posting, fakestripe)
    before = JobPosting.objects.get().content_digest

    response = client.post(step_url("details", posting), {**VALID_DETAILS, "title": "Other"})

    assert response.status_code == 302
    assert response["Location"] == step_url("payment", posting)
    assert JobPosting.objects.get().content_digest == before
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING
    page = client.get(response["Location"])
    assert "being processed, so this posting can no longer be edited" in page.content.decode()
    # The details page itself sends the employer to the payment step.
    assert client.get(step_url("details", posting))["Location"] == step_url("payment", posting)


def test_an_edit_reaching_the_lock_while_processing_is_refused(client, posting, fakestripe):
    """An edit whose request loaded the posting before its payment started processing is
    refused under the row lock, as after payment."""
    processing(client, posting, fakestripe)
    loaded_before = posting  # as the edit's request loaded it: ready to pay

    def change(locked):
        locked.title = "Other"

    with pytest.raises(edits.PostingLocked):
        edits.edit(FLOW, posting.pk, change, why="An edit", seen=loaded_before)
    assert JobPosting.objects.get().title == VALID_DETAILS["title"]


def test_the_sweeper_never_abandons_a_payment_processing(client, posting, fakestripe, settings):
    processing(client, posting, fakestripe)
    make_stale(days=settings.ABANDON_DRAFTS_AFTER_DAYS + 30)  # SEPA can take weeks

    assert sweep_abandoned_drafts() == []
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING


def test_the_sweeper_finds_a_payment_processing_whose_webhook_was_lost(
    client, posting, fakestripe, settings
):
    """Still awaiting here (no return, no webhook), completed unpaid at Stripe: asking
    Stripe before abandoning finds the payment on its way."""
    pay_by_bank(client, posting, fakestripe)
    make_stale(days=settings.ABANDON_DRAFTS_AFTER_DAYS + 1)

    assert sweep_abandoned_drafts() == []
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING


# --- How it ends -------------------------------------------------------------------------


def test_the_money_arriving_pays_and_submits_for_review(client, posting, fakestripe, run_tasks):
    session_id = processing(client, posting, fakestripe)

    fakestripe.async_result(session_id, succeeded=True)
    assert (
        deliver(client, latest_event("checkout.session.async_payment_succeeded")).status_code == 200
    )
    run_tasks()

    posting = JobPosting.objects.get()
    assert posting.status == Status.IN_REVIEW
    assert posting.current_attempt.state == PaymentAttempt.State.PAID
    assert posting.current_attempt.payment_intent_id.startswith("pi_")
    assert TransitionLog.objects.filter(
        transition="mark_paid", source=Status.PAYMENT_PROCESSING
    ).exists()
    assert [message.subject for message in mail.outbox] == [
        f'Payment received: "{posting.title}" is in review'
    ]
    assert client.get(step_url("payment", posting))["Location"] == step_url("confirmation", posting)


def test_a_failed_payment_sends_the_employer_back_to_pay_with_a_message_and_an_email(
    client, posting, fakestripe, run_tasks
):
    session_id = processing(client, posting, fakestripe)

    fakestripe.async_result(session_id, succeeded=False)
    assert deliver(client, latest_event("checkout.session.async_payment_failed")).status_code == 200
    run_tasks()

    posting = JobPosting.objects.get()
    assert posting.status == Status.READY_TO_PAY
    assert posting.current_attempt.state == PaymentAttempt.State.CLOSED
    assert TransitionLog.objects.filter(
        transition="fail_payment", source=Status.PAYMENT_PROCESSING
    ).exists()
    page = client.get(step_url("payment", posting)).content.decode()
    assert "did not go through" in page and 'name="pay"' in page
    [email] = mail.outbox
    assert email.to == [posting.contact_email]
    assert "did not go through" in email.subject and posting.title in email.subject
    assert links.manage_url(posting) in email.body  # the way back to pay
    # Pay again: a new attempt, a new checkout.
    assert session_id_from(press_pay(client, posting)) != session_id
    assert JobPosting.objects.get().current_attempt.number == 2


def test_a_failure_event_repeated_or_late_changes_nothing(client, posting, fakestripe, run_tasks):
    session_id = processing(client, posting, fakestripe)
    fakestripe.async_result(session_id, succeeded=False)
    event = latest_event("checkout.session.async_payment_failed")
    deliver(client, event)
    run_tasks()
    press_pay(client, posting)  # the employer is paying again meanwhile

    replay = {**event, "id": event["id"] + "x"}  # a later delivery of the same news
    assert deliver(client, replay).status_code == 200
    run_tasks()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT
    assert len(mail.outbox) == 1


def test_a_completed_event_processed_after_the_debit_failed_starts_no_processing(
    client, posting, fakestripe, run_tasks
):
    """Events out of order: by the time checkout.session.completed is processed, Stripe says
    the debit failed already; the posting waits for the failure event, which sends it back
    to pay (and emails the employer) from awaiting payment."""
    session_id, _ = pay_by_bank(client, posting, fakestripe)
    fakestripe.async_result(session_id, succeeded=False)

    deliver(client, latest_event("checkout.session.completed"))
    run_tasks()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    deliver(client, latest_event("checkout.session.async_payment_failed"))
    run_tasks()
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    assert TransitionLog.objects.filter(
        transition="fail_payment", source=Status.AWAITING_PAYMENT
    ).exists()
    assert len(mail.outbox) == 1


# --- The reconciler ----------------------------------------------------------------------


def test_the_reconciler_settles_a_processing_payment_whatever_its_age(
    client, posting, fakestripe, settings
):
    """async_payment_succeeded lost; the session is older than the lookback."""
    settings.RECONCILE_LOOKBACK_DAYS = 0  # the paid-sessions pass looks back no further
    session_id = processing(client, posting, fakestripe)
    fakestripe.async_result(session_id, succeeded=True)

    dry = reconcile_command("--dry-run")
    assert f"session {session_id}" in dry and "delayed payment ended: paid" in dry
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING

    reconcile_command()
    assert JobPosting.objects.get().status == Status.IN_REVIEW


def test_the_reconciler_sends_back_a_failed_processing_payment(
    client, posting, fakestripe, settings
):
    settings.RECONCILE_LOOKBACK_DAYS = 0
    session_id = processing(client, posting, fakestripe)
    fakestripe.async_result(session_id, succeeded=False)

    out = reconcile_command()

    assert "delayed payment ended: failed" in out
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    assert "did not go through" in JobPosting.objects.get().last_error_message


def test_the_reconciler_leaves_a_payment_still_on_its_way(client, posting, fakestripe):
    processing(client, posting, fakestripe)
    assert reconcile_command().strip().splitlines()[0].startswith("0 difference(s)")
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING


def test_the_reconciler_finds_a_completed_unpaid_checkout_whose_events_were_lost(
    client, posting, fakestripe
):
    session_id, _ = pay_by_bank(client, posting, fakestripe)

    out = reconcile_command()

    assert f"session {session_id}" in out and "completed unpaid at Stripe" in out
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING


# --- PAYMENT_METHOD_TYPES ----------------------------------------------------------------


def test_unset_no_payment_method_types_are_passed_and_the_dashboard_decides(
    client, posting, fakestripe, settings
):
    settings.PAYMENT_METHOD_TYPES = []
    assert methods.checkout_params() == {}
    session = stripe_api().v1.checkout.sessions.retrieve(
        session_id_from(press_pay(client, posting))
    )
    # fakestripe's stand-in for the Dashboard: card and the currency's delayed method.
    assert session.payment_method_types == ["card", ACH]


def test_set_to_card_only_no_delayed_method_is_offered(client, posting, fakestripe, settings):
    settings.PAYMENT_METHOD_TYPES = ["card"]
    session_id = session_id_from(press_pay(client, posting))
    assert stripe_api().v1.checkout.sessions.retrieve(session_id).payment_method_types == ["card"]
    status, body = fakestripe.pay_delayed(session_id, ACH)
    assert status == 400 and "does not offer" in body


def test_set_with_a_delayed_method_offers_it(client, fakestripe, settings):
    settings.PAYMENT_METHOD_TYPES = ["card", "sepa_debit"]
    settings.POSTING_PRICE_CURRENCY = "eur"
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.payment_method_types == ["card", "sepa_debit"]


def test_the_setting_reads_a_comma_separated_list(monkeypatch):
    monkeypatch.delenv("PAYMENT_METHOD_TYPES", raising=False)
    assert fresh_settings().PAYMENT_METHOD_TYPES == []
    monkeypatch.setenv("PAYMENT_METHOD_TYPES", " card, SEPA_debit ,")
    assert fresh_settings().PAYMENT_METHOD_TYPES == ["card", "sepa_debit"]

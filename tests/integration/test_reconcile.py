"""The reconciler repairs what lost webhooks leave behind, and only that."""

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, session_id_from
from wizard.models import (
    Dispute,
    FraudWarning,
    JobPosting,
    PaymentAttempt,
    Refund,
    RefundMade,
    Status,
    TransitionLog,
)
from wizard.tasks import enqueue_unless_waiting, periodic_tasks, reconcile_payments

pytestmark = pytest.mark.django_db


def reconcile_command(*args):
    out = StringIO()
    call_command("reconcile_payments", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def paying(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting, session_id_from(press_pay(client, posting))


def test_a_payment_whose_webhook_never_came_is_fulfilled(paying, fakestripe):
    posting, session_id = paying
    fakestripe.pay(session_id)  # no webhook URL configured: the event is never delivered
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    dry = reconcile_command("--dry-run")
    assert f"session {session_id}" in dry and "-> fulfilled" in dry
    assert "1 difference(s); dry run, nothing changed" in dry
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    output = reconcile_command()
    assert "paid at Stripe, not applied here" in output and "-> fulfilled" in output
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert DBTaskResult.objects.filter(task_path="wizard.jobs.runner.run_job").count() == 1

    assert reconcile_command().strip() == "0 difference(s)"  # repeated: nothing left to do
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1


def test_an_expired_session_sends_the_posting_back_to_the_payment_step(paying):
    posting, session_id = paying
    stripe_api().v1.checkout.sessions.expire(session_id)
    output = reconcile_command()
    assert "expired at Stripe, awaiting here" in output and "back to the payment step" in output
    assert JobPosting.objects.get().status == Status.READY_TO_PAY


def orphaned_payment(fakestripe):
    """A Checkout session paid at Stripe that no posting here knows."""
    session = stripe_api().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "http://elsewhere.example/ok",
            "cancel_url": "http://elsewhere.example/cancel",
            "client_reference_id": "not-ours",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 500,
                        "product_data": {"name": "Something else"},
                    },
                }
            ],
        }
    )
    fakestripe.pay(session.id)
    return session


def test_a_payment_with_no_posting_here_is_reported_and_left_alone(fakestripe):
    session = orphaned_payment(fakestripe)
    output = reconcile_command()
    assert f"payment with no posting here       session {session.id}" in output
    assert "-> reported" in output
    assert not Refund.objects.exists()


def test_the_periodic_reconcile_task_fulfils_a_lost_payment(paying, fakestripe, run_tasks):
    posting, session_id = paying
    fakestripe.pay(session_id)
    assert enqueue_unless_waiting(reconcile_payments) is not None
    assert enqueue_unless_waiting(reconcile_payments) is None  # one queued run is enough
    run_tasks()
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # reconciled, then emailed
    run = DBTaskResult.objects.get(task_path=reconcile_payments.module_path)
    assert run.status == "SUCCESSFUL"


def test_a_failing_periodic_job_does_not_stop_the_others(fakestripe, run_tasks, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    for periodic_task in periodic_tasks:
        enqueue_unless_waiting(periodic_task)
    run_tasks()
    runs = DBTaskResult.objects.filter(task_path__in=[t.module_path for t in periodic_tasks])
    assert set(runs.filter(status="FAILED").values_list("task_path", flat=True)) == {
        reconcile_payments.module_path
    }
    assert runs.filter(status="SUCCESSFUL").count() == len(periodic_tasks) - 1


def test_a_pending_refund_is_reported_and_left_to_its_effect(paying, fakestripe, settings):
    from wizard.models import Actor
    from wizard.payments import refunds

    posting, session_id = paying
    fakestripe.pay(session_id)
    reconcile_command()  # fulfils: the webhook went nowhere
    posting.refresh_from_db()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe down: the refund stays pending
    with pytest.raises(refunds.PaymentError):
        refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    settings.STRIPE_API_BASE = fakestripe.url

    report = reconcile_command("--dry-run")
    assert "refund not yet made" in report and "effect queued after 1 attempt(s)" in report
    reconcile_command()  # makes no call of its own: the runner retries the refund
    assert Refund.objects.get().state == "pending"
    assert (
        not stripe_api()
        .v1.refunds.list(params={"payment_intent": posting.current_attempt.payment_intent_id})
        .data
    )


LIST_SESSIONS = "^/v1/checkout/sessions$"


@pytest.fixture
def stripe_down_for_the_list(client, fakestripe, settings):
    """A posting whose refund is still pending, another whose session expired at Stripe,
    and a Stripe whose session list keeps failing (everything else answers)."""
    from wizard.models import Actor
    from wizard.payments import refunds

    paid = posting_at(Status.READY_TO_PAY)
    own(client, paid)
    fakestripe.pay(session_id_from(press_pay(client, paid)))
    reconcile_command()  # fulfils: the webhook went nowhere
    paid.refresh_from_db()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    with pytest.raises(refunds.PaymentError):
        refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    settings.STRIPE_API_BASE = fakestripe.url

    expired = posting_at(Status.READY_TO_PAY)
    own(client, expired)
    stripe_api().v1.checkout.sessions.expire(session_id_from(press_pay(client, expired)))

    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    fakestripe.inject_fault("500", count=100, method="GET", path=LIST_SESSIONS)
    return expired


def test_with_stripe_down_the_command_reports_one_line_runs_the_other_passes_and_fails(
    stripe_down_for_the_list, monkeypatch, capsys
):
    from django.core.management import base

    from wizard.management.commands.reconcile_payments import Command

    monkeypatch.setattr(base.connections, "close_all", lambda: None)  # keep the test's DB
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "reconcile_payments"])

    assert exited.value.code != 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    failures = [line for line in err.splitlines() if "could not be checked" in line]
    assert len(failures) == 1
    assert failures[0].startswith(
        "payments at Stripe: could not be checked: Stripe is unavailable ("
    )
    assert "refund not yet made" in out  # the local pass ran
    assert "expired at Stripe, awaiting here" in out and "back to the payment step" in out
    assert "2 difference(s)" in out
    assert JobPosting.objects.get(pk=stripe_down_for_the_list.pk).status == Status.READY_TO_PAY


def test_call_command_raises_command_error_after_printing_the_rest(stripe_down_for_the_list):
    from django.core.management.base import CommandError

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="could not be made"):
        call_command("reconcile_payments", "--dry-run", stdout=out, stderr=err)
    assert "refund not yet made" in out.getvalue()
    assert "dry run, nothing changed" in out.getvalue()
    assert err.getvalue().count("could not be checked") == 1


def test_the_periodic_task_runs_every_pass_then_fails_when_stripe_was_down(
    stripe_down_for_the_list, run_tasks
):
    enqueue_unless_waiting(reconcile_payments)
    run_tasks()
    run = DBTaskResult.objects.get(task_path=reconcile_payments.module_path)
    assert run.status == "FAILED"
    assert JobPosting.objects.get(pk=stripe_down_for_the_list.pk).status == Status.READY_TO_PAY


# --- Money, not only sessions (issue 16, item 5) ----------------------------------------


@pytest.fixture
def paid_here(paying, fakestripe):
    """A posting paid at Stripe and fulfilled here (by the reconciler: no webhook came)."""
    posting, session_id = paying
    fakestripe.pay(session_id)
    reconcile_command()
    posting = JobPosting.objects.get()
    assert posting.status == Status.IN_REVIEW
    return posting


def charge_of(posting):
    intent_id = posting.current_attempt.payment_intent_id
    return stripe_api().v1.payment_intents.retrieve(intent_id).latest_charge


def test_a_dashboard_refund_whose_webhook_was_lost_is_applied(paid_here, fakestripe):
    fakestripe.dashboard_refund(charge_of(paid_here))  # charge.refunded goes nowhere

    dry = reconcile_command("--dry-run")
    assert "refunded at Stripe, not here (9900 of 9900)" in dry and "-> applied" in dry
    assert "1 difference(s); dry run, nothing changed" in dry
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # the dry run changed nothing
    assert not Refund.objects.exists()
    assert PaymentAttempt.objects.get().amount_refunded == 0

    output = reconcile_command()
    assert "refunded at Stripe, not here" in output
    assert JobPosting.objects.get().status == Status.REFUNDED
    assert (Refund.objects.get().reason, Refund.objects.get().state) == ("external", "succeeded")
    assert reconcile_command().strip() == "0 difference(s)"


def test_a_partial_refund_whose_webhook_was_lost_is_recorded_and_raised(paid_here, fakestripe):
    fakestripe.dashboard_refund(charge_of(paid_here), amount=1500)

    output = reconcile_command()

    assert "partly refunded at Stripe (1500 of 9900)" in output
    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.IN_REVIEW and posting.attention_partly_refunded
    assert PaymentAttempt.objects.get().amount_refunded == 1500
    assert RefundMade.objects.get().amount == 1500
    assert reconcile_command().strip() == "0 difference(s)"


def test_a_refund_of_ours_whose_success_was_never_reported_is_applied(
    paid_here, fakestripe, settings
):
    """Our refund went pending; Stripe made it, and both webhooks were lost."""
    from wizard.models import Actor
    from wizard.payments import refunds

    fakestripe.configure(refund_outcome="pending")
    record = refunds.refund(paid_here, Refund.Reason.STAFF, by=Actor.system())
    fakestripe.settle_refund(record.stripe_refund_id, "succeeded")

    output = reconcile_command()

    assert "refunded at Stripe, not here" in output
    assert Refund.objects.get().state == "succeeded"
    assert JobPosting.objects.get().status == Status.REFUNDED


def test_a_refund_of_ours_made_at_once_whose_webhook_was_lost_gets_its_records(paid_here):
    """Found by the soak: our refund (a withdrawal's, say) is made at once, so its job sets
    the payment's amount refunded; its charge.refunded is lost, so no RefundMade row would
    ever say which refund it was, the amounts agreeing. The reconciler records it."""
    from wizard.models import Actor
    from wizard.payments import refunds

    refunds.refund(paid_here, Refund.Reason.WITHDRAWN, by=Actor.system())
    assert JobPosting.objects.get().status == Status.REFUNDED
    assert PaymentAttempt.objects.get().amount_refunded == 9900
    assert not RefundMade.objects.exists()  # no webhook URL: charge.refunded went nowhere

    assert "refunds made not recorded here (9900 of 9900)" in reconcile_command("--dry-run")
    assert not RefundMade.objects.exists()
    output = reconcile_command()

    assert "refunds made not recorded here (9900 of 9900)" in output and "-> recorded" in output
    made = RefundMade.objects.get()
    assert (made.amount, made.status, made.by_us) == (9900, "succeeded", True)
    assert made.stripe_refund_id == Refund.objects.get().stripe_refund_id
    assert JobPosting.objects.get().status == Status.REFUNDED
    assert reconcile_command().strip() == "0 difference(s)"


def test_an_early_fraud_warning_whose_event_was_lost_is_handled(paid_here, fakestripe, run_tasks):
    """Found by reading the soak's fraud-warning employers against webhook drops: the
    warning's event lost, nothing else would ever refund the charge before its dispute."""
    warning = fakestripe.early_fraud_warning(charge_of(paid_here))  # the event goes nowhere

    dry = reconcile_command("--dry-run")
    assert f"early fraud warning {warning['id']} not seen here" in dry
    assert not FraudWarning.objects.exists() and not Refund.objects.exists()

    output = reconcile_command()

    assert f"early fraud warning {warning['id']} not seen here" in output
    assert FraudWarning.objects.get().stripe_id == warning["id"]
    run_tasks()  # the refund's job
    assert (Refund.objects.get().reason, Refund.objects.get().state) == (
        "fraud_warning",
        "succeeded",
    )
    assert JobPosting.objects.get().status == Status.REFUNDED
    assert "early fraud warning" not in reconcile_command()  # handled once


def test_less_refunded_at_stripe_than_here_is_only_reported(paid_here):
    PaymentAttempt.objects.update(amount_refunded=9900)
    output = reconcile_command()
    assert "refunded here, not at Stripe (0 < 9900)" in output and "reported" in output
    assert JobPosting.objects.get().status == Status.IN_REVIEW


def test_payments_paid_before_the_lookback_are_not_compared(paid_here, fakestripe, settings):
    fakestripe.dashboard_refund(charge_of(paid_here))
    PaymentAttempt.objects.update(paid_at=timezone.now() - timedelta(days=4))
    settings.RECONCILE_LOOKBACK_DAYS = 3
    assert "refunded at Stripe" not in reconcile_command("--dry-run")


def test_a_dispute_whose_events_were_lost_is_applied_and_then_left_alone(paid_here, fakestripe):
    """No webhook URL is configured: the dispute's events never arrive. The charge pass
    sees the charge disputed, lists its disputes and applies them as the events would."""
    dispute = fakestripe.open_dispute(charge_of(paid_here))

    dry = reconcile_command("--dry-run")
    assert "dispute needs_response at Stripe, unknown here" in dry and "(dry run)" in dry
    assert not Dispute.objects.exists()

    output = reconcile_command()
    assert "dispute needs_response at Stripe, unknown here" in output and "-> applied" in output
    assert JobPosting.objects.get().status == Status.DISPUTED
    assert Dispute.objects.get().stripe_dispute_id == dispute["id"]

    fakestripe.close_dispute(dispute["id"], "lost")
    assert "dispute lost at Stripe, needs_response here" in reconcile_command()
    assert JobPosting.objects.get().status == Status.DISPUTE_LOST
    # Closed here as at Stripe: not asked about again.
    assert reconcile_command().strip() == "0 difference(s)"


def test_an_old_awaiting_posting_whose_session_was_paid_is_fulfilled(
    paying, fakestripe, monkeypatch
):
    """Paid long after Pay (a delayed method, say) with its webhook and return lost: the
    session list of the lookback no longer has it; the posting's own session does."""
    from wizard.payments import reconcile as reconciler

    posting, session_id = paying
    fakestripe.pay(session_id)
    later = timezone.now() + timedelta(days=10)
    monkeypatch.setattr(reconciler, "timezone", SimpleNamespace(now=lambda: later))

    dry = reconcile_command("--dry-run")
    assert "paid at Stripe, still awaiting here" in dry and "-> fulfilled" in dry
    assert "paid at Stripe, not applied here" not in dry  # the listing pass did not see it
    assert "1 difference(s); dry run, nothing changed" in dry
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    output = reconcile_command()
    assert "paid at Stripe, still awaiting here" in output
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert reconcile_command().strip() == "0 difference(s)"

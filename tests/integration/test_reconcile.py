"""The reconciler repairs what lost webhooks leave behind, and only that."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, session_id_from
from wizard.maintenance.jobs import ensure_scheduled, run_maintenance
from wizard.models import JobPosting, Refund, Status, TransitionLog

pytestmark = pytest.mark.django_db


def reconcile_command(*args):
    out = StringIO()
    call_command("reconcile_payments", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def paying(client, fakestripe):
    posting = posting_at(Status.DETAILS_READY)
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
    assert JobPosting.objects.get().status == Status.PAID
    assert DBTaskResult.objects.filter(task_path="wizard.effects.runner.send_email").count() == 1

    assert reconcile_command().strip() == "0 difference(s)"  # repeated: nothing left to do
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1


def test_an_expired_session_sends_the_posting_back_to_the_payment_step(paying):
    posting, session_id = paying
    stripe_api().v1.checkout.sessions.expire(session_id)
    output = reconcile_command()
    assert "expired at Stripe, awaiting here" in output and "back to the payment step" in output
    assert JobPosting.objects.get().status == Status.DETAILS_READY


def test_a_payment_with_no_posting_here_is_reported_and_left_alone(fakestripe):
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
    output = reconcile_command()
    assert f"payment with no posting here       session {session.id}" in output
    assert "-> reported" in output
    assert not Refund.objects.exists()


def test_maintenance_runs_the_reconciler_and_reschedules_itself(
    paying, fakestripe, run_tasks, settings
):
    posting, session_id = paying
    fakestripe.pay(session_id)
    assert ensure_scheduled() is True
    assert ensure_scheduled() is False  # one queued run is enough
    run_tasks()
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # reconciled, then emailed
    queued = DBTaskResult.objects.filter(task_path=run_maintenance.module_path, status="READY")
    assert queued.count() == 1
    assert queued.get().run_after is not None


def test_maintenance_reschedules_itself_even_when_a_job_fails(fakestripe, run_tasks, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    ensure_scheduled()
    run_tasks()
    assert (
        DBTaskResult.objects.filter(task_path=run_maintenance.module_path, status="FAILED").count()
        == 1
    )
    assert (
        DBTaskResult.objects.filter(task_path=run_maintenance.module_path, status="READY").count()
        == 1
    )

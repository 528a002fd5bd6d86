"""Stripe webhooks: verified, stored with their job in one transaction, acknowledged at
once, processed by the one job runner with retries, idempotent."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import WEBHOOK_SECRET, stripe_api
from tests.factories import own, posting_at
from tests.fakestripe_process import sign_webhook
from tests.integration.test_payment import press_pay, return_path, session_id_from
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.models import JobPosting, Refund, Status, StripeEvent, TransitionLog
from wizard.payments.stripe_events import KIND
from wizard.postings import attention

pytestmark = pytest.mark.django_db

URL = "/stripe/webhook/"
RUN_JOB = "wizard.jobs.runner.run_job"
SESSION_RETRIEVE = "^/v1/checkout/sessions/cs_"


def task_rows(**filters):
    """The task rows of Stripe events' jobs."""
    events = Job.objects.filter(kind=KIND).values_list("pk", flat=True)
    return DBTaskResult.objects.filter(
        task_path=RUN_JOB, args_kwargs__args__0__in=list(events), **filters
    )


def effect_task_rows():
    """The task rows of every other job (the confirmation email…)."""
    return DBTaskResult.objects.filter(task_path=RUN_JOB).exclude(pk__in=task_rows().values("pk"))


def job_of(stored):
    """The stored event's processing, as it is now."""
    return Job.objects.get(stripe_event=stored)


def flagged(posting):
    """The posting's needs-attention flags, as the admin computes them."""
    annotated = attention.annotate(JobPosting.objects.filter(pk=posting.pk)).get()
    return annotated.attention_webhook, annotated.needs_attention


def deliver(client, payload, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = signature if signature is not None else sign_webhook(body, secret, timestamp)
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.fixture
def paid_event(client, fakestripe):
    """A posting paid at Stripe whose employer never came back, and Stripe's completed event."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    events = stripe_api().v1.events.list(params={"type": "checkout.session.completed"})
    event = events.data[0].to_dict()
    assert event["data"]["object"]["id"] == session_id
    return posting, event


def test_a_valid_completed_event_is_stored_queued_and_paid_by_the_worker(
    client, paid_event, run_tasks
):
    posting, event = paid_event
    body = json.dumps(event, indent=2).encode()
    response = deliver(client, body)
    assert response.status_code == 200
    # Acknowledged at once: stored with its task, not processed in the request.
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type, stored.posting_id) == (
        event["id"],
        event["type"],
        posting.pk,
    )
    assert stored.body == body.decode() and stored.payload == event
    job = job_of(stored)
    assert (job.kind, job.name, job.posting_id, job.state, job.attempts) == (
        KIND,
        event["id"],
        None,
        "queued",
        0,
    )
    assert task_rows(status="READY").get().args_kwargs["args"] == [job.pk]
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    run_tasks()
    posting.refresh_from_db()
    assert posting.is_paid  # paid, and so in review at once
    job = job_of(stored)
    assert (job.state, job.attempts, job.last_error, job.failed_at) == ("sent", 1, "", None)
    assert stored.state == "processed"
    assert TransitionLog.objects.get(target=Status.PAID).actor == "system"
    assert task_rows().count() == 1
    assert effect_task_rows().count() == 1  # one confirmation email


def test_a_duplicate_delivery_is_stored_once_and_processed_once(client, paid_event, run_tasks):
    posting, event = paid_event
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200
    assert StripeEvent.objects.count() == 1
    assert task_rows().count() == 1
    run_tasks()
    assert deliver(client, event).status_code == 200  # once more, after processing
    run_tasks()
    assert StripeEvent.objects.count() == 1
    assert job_of(StripeEvent.objects.get()).attempts == 1
    assert task_rows().count() == 1
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert effect_task_rows().count() == 1


def test_the_webhook_and_the_return_url_together_pay_once(client, paid_event, run_tasks):
    posting, event = paid_event
    session_id = event["data"]["object"]["id"]
    client.get(f"/post/{posting.pk}/payment/return/?session_id={session_id}")
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # the return URL still pays at once
    assert deliver(client, event).status_code == 200
    run_tasks()
    assert StripeEvent.objects.get().state == "processed"
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert effect_task_rows().count() == 1


def test_the_payload_is_not_trusted(client, fakestripe, run_tasks):
    """A correctly signed but forged 'completed' event for an unpaid session pays nothing."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    forged = {
        "id": "evt_forged",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "payment_status": "paid",
                "status": "complete",
            }
        },
    }
    assert deliver(client, forged).status_code == 200
    run_tasks()
    assert StripeEvent.objects.get().state == "processed"
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "tamper",
    ["wrong_secret", "altered_body", "old_timestamp", "missing_header", "garbage_header"],
)
def test_a_bad_signature_gets_a_400_and_writes_nothing(client, paid_event, tamper):
    posting, event = paid_event
    body = json.dumps(event).encode()
    kwargs = {}
    if tamper == "wrong_secret":
        kwargs["secret"] = "whsec_someone_else"
    elif tamper == "altered_body":
        kwargs["signature"] = sign_webhook(body, WEBHOOK_SECRET)
        body = body.replace(b'"paid"', b'"PAID"', 1)
    elif tamper == "old_timestamp":
        kwargs["timestamp"] = int(time.time()) - 301
    elif tamper == "missing_header":
        kwargs["signature"] = ""
    else:
        kwargs["signature"] = "t=1,v1=deadbeef"
    response = deliver(client, body, **kwargs)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists() and not Job.objects.filter(kind=KIND).exists()
    assert not task_rows().exists()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_unknown_event_types_are_acknowledged_and_ignored(client, fakestripe, run_tasks):
    event = {
        "id": "evt_unknown",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    response = deliver(client, event)
    assert response.status_code == 200
    run_tasks()
    stored = StripeEvent.objects.get()
    assert stored.state == "processed" and stored.posting_id is None
    assert job_of(stored).payload["outcome"] == {"handled": False}


def test_fakestripe_delivers_signed_webhooks_the_app_accepts(
    live_server, fakestripe, client, run_tasks
):
    """fakestripe signs exactly as Stripe does: its own delivery reaches the app, is
    acknowledged, and the worker pays."""
    fakestripe.configure(webhook_url=live_server.url + URL)
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)

    def completed_deliveries():
        return [
            d for d in fakestripe.deliveries() if d["event_type"] == "checkout.session.completed"
        ]

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not completed_deliveries():
        time.sleep(0.05)
    attempts = completed_deliveries()
    assert attempts and attempts[-1]["status"] == 200
    run_tasks()
    assert JobPosting.objects.get().is_paid


# --- Real bodies, odd bodies ----------------------------------------------------------------


def test_a_real_shaped_body_with_decimal_fields_is_stored_as_received_and_processed(
    client, paid_event, run_tasks
):
    """Stripe sends decimal fields as strings ("fx_rate": "1.0837"); the SDK turns them into
    Decimal, which a JSONField cannot store: the old code answered 500 to every delivery."""
    posting, event = paid_event
    session = event["data"]["object"]
    session["currency_conversion"] = {
        "amount_subtotal": 9137,
        "amount_total": 9137,
        "fix_rate": None,
        "fx_rate": "1.0837",
        "source_currency": "eur",
    }
    session["total_details"] = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
    # As Stripe formats it: indented, a float written as sent, keys in its order.
    body = json.dumps(event, indent=2, ensure_ascii=False).replace(
        '"amount_subtotal": 9137', '"amount_subtotal": 9137, "presentment_rate": 1.0837'
    )
    assert deliver(client, body.encode()).status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.body == body  # byte for byte what was signed
    assert stored.payload["data"]["object"]["currency_conversion"]["fx_rate"] == "1.0837"
    assert stored.payload["data"]["object"]["currency_conversion"]["presentment_rate"] == 1.0837

    run_tasks()
    assert job_of(stored).state == "sent" and job_of(stored).last_error == ""
    assert JobPosting.objects.get().is_paid


def test_an_unhandled_event_with_amount_decimal_is_stored_and_acknowledged(client, fakestripe):
    event = {
        "id": "evt_1PriceUpdated",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "type": "plan.updated",
        "data": {
            "object": {
                "id": "plan_basic",
                "object": "plan",
                "amount": 9900,
                "amount_decimal": "9900",
                "currency": "usd",
            },
            "previous_attributes": {"amount_decimal": "4900"},
        },
    }
    assert deliver(client, event).status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.payload["data"]["object"]["amount_decimal"] == "9900"
    assert json.loads(stored.body) == event


ODD_BODIES = {
    "a JSON list": b"[]",
    "a JSON string": b'"evt_1"',
    "not JSON": b"{not json",
    "not UTF-8": b'{"id": "evt_\xff", "type": "x", "data": {"object": {}}}',
    "no id": {"object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}},
    "an empty id": {"id": "", "type": "customer.created", "data": {"object": {}}},
    "a numeric id": {"id": 42, "type": "customer.created", "data": {"object": {}}},
    "no type": {"id": "evt_no_type", "object": "event", "data": {"object": {"id": "cus_1"}}},
    "a list as type": {"id": "evt_list_type", "type": ["x"], "data": {"object": {}}},
    "no data": {"id": "evt_no_data", "type": "customer.created"},
    "data.object a string": {
        "id": "evt_object_string",
        "type": "checkout.session.completed",
        "data": {"object": "cs_test_123"},
    },
    "a handled object without id": {
        "id": "evt_no_object_id",
        "type": "charge.refunded",
        "data": {"object": {"object": "charge"}},
    },
    "an over-long id": {
        "id": "evt_" + "x" * 300,
        "type": "customer.created",
        "data": {"object": {}},
    },
    "an over-long type": {"id": "evt_long_type", "type": "x" * 101, "data": {"object": {}}},
    "an over-long object id": {
        "id": "evt_long_object",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_" + "x" * 300}},
    },
    "a NUL character": {
        "id": "evt_nul",
        "type": "customer.created",
        "data": {"object": {"n": "\0"}},
    },
    "an unpaired surrogate": b'{"id": "evt_s", "type": "x", "data": {"object": {"n": "\\ud800"}}}',
    "NaN": b'{"id": "evt_nan", "type": "x", "data": {"object": {"n": NaN}}}',
    "an infinite number": b'{"id": "evt_inf", "type": "x", "data": {"object": {"n": 1e400}}}',
    "deep nesting": b'{"id": "evt_deep", "type": "x", "data": {"object": {"n": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}}}",
}


@pytest.mark.parametrize("body", ODD_BODIES.values(), ids=ODD_BODIES.keys())
def test_a_signed_but_odd_body_gets_a_400_and_stores_nothing(client, fakestripe, body):
    response = deliver(client, body)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists() and not Job.objects.exists()
    assert not DBTaskResult.objects.exists()


# --- Processing: retries, giving up, lost tasks ------------------------------------------------


def test_an_event_delivered_while_stripe_is_down_is_acknowledged_and_processed_when_it_is_back(
    client, paid_event, fakestripe, settings, run_tasks
):
    posting, event = paid_event
    settings.EFFECT_RETRY_BASE_SECONDS = 0  # each retry is due at once
    fakestripe.inject_fault("500", count=2, path=SESSION_RETRIEVE)
    assert deliver(client, event).status_code == 200  # Stripe is not asked in the request
    assert len(fakestripe.faults()) == 1  # untouched: nothing called Stripe

    run_tasks()  # two attempts hit the 500s, the third pays
    job = job_of(StripeEvent.objects.get())
    assert (job.state, job.attempts, job.last_error, job.failed_at) == ("sent", 3, "", None)
    assert JobPosting.objects.get().is_paid
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert task_rows().count() == 3


def test_a_failed_attempt_is_recorded_and_retried_after_a_backoff(
    client, paid_event, fakestripe, settings, run_tasks
):
    posting, event = paid_event
    settings.EFFECT_RETRY_BASE_SECONDS = 600
    fakestripe.inject_fault("500", count=1, path=SESSION_RETRIEVE)
    assert deliver(client, event).status_code == 200
    run_tasks()
    stored = StripeEvent.objects.get()
    job = job_of(stored)
    assert (job.state, job.attempts, job.failed_at) == ("queued", 1, None)
    assert "Stripe answered 500" in job.last_error
    assert job.next_attempt_at > timezone.now() + timedelta(seconds=250)
    assert stored.state == "retrying"
    assert flagged(posting) == (True, True)  # failing: staff can see it
    retry = task_rows(status="READY").get()
    assert abs(retry.run_after - job.next_attempt_at) < timedelta(seconds=1)
    settings.STUCK_AFTER_SECONDS = 0
    assert recover_stuck_work() == []  # its retry is queued: nothing is lost

    run_tasks()  # not due yet
    assert job_of(stored).attempts == 1
    task_rows(status="READY").update(run_after=timezone.now())
    run_tasks()
    job = job_of(stored)
    assert (job.state, job.attempts, job.last_error) == ("sent", 2, "")
    assert JobPosting.objects.get().is_paid
    assert flagged(posting) == (False, False)


def test_processing_gives_up_after_the_last_attempt_and_staff_see_it(
    client, paid_event, fakestripe, settings, run_tasks, admin_client
):
    posting, event = paid_event
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    settings.EFFECT_MAX_ATTEMPTS = 3
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable throughout
    assert deliver(client, event).status_code == 200
    run_tasks()
    stored = StripeEvent.objects.get()
    job = job_of(stored)
    assert (job.state, job.attempts) == ("failed", 3) and job.failed_at
    assert "PaymentProviderUnavailable" in job.last_error
    assert stored.state == "failed"
    assert not task_rows(status="READY").exists()
    settings.STUCK_AFTER_SECONDS = 0
    assert recover_stuck_work() == []  # given up: left to staff, not re-queued
    assert flagged(posting) == (True, True)
    listed = admin_client.get("/admin/wizard/jobposting/?attention=webhook")
    assert str(posting.pk) in listed.content.decode()
    events = admin_client.get("/admin/wizard/stripeevent/?state=failed")
    assert event["id"] in events.content.decode()
    row = events.context["cl"].result_list[0]
    assert (row.state, row.job.attempts) == ("failed", 3)
    # The columns show the job's processing, not the event's old columns.
    assert "PaymentProviderUnavailable" in events.content.decode()
    assert '<td class="field-job_attempts">3</td>' in events.content.decode()

    settings.STRIPE_API_BASE = fakestripe.url  # Stripe is back; staff run it again
    response = admin_client.post(
        "/admin/wizard/stripeevent/", {"action": "reprocess", "_selected_action": [stored.pk]}
    )
    assert response.status_code == 302
    assert job_of(stored).state == "queued"
    run_tasks()
    job = job_of(stored)
    assert (job.state, job.last_error) == ("sent", "")
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert flagged(posting) == (False, False)


def test_a_refund_of_a_charge_our_key_cannot_see_is_flagged_and_not_retried(
    client, fakestripe, settings, run_tasks
):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    client.get(return_path(fakestripe.pay(session_id)[1]))
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    event = {
        "id": "evt_unseen_charge",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_of_another_account",
                "object": "charge",
                "refunded": True,
                "amount_decimal": "9900",
                "metadata": {"posting_id": str(posting.pk)},
            }
        },
    }
    assert deliver(client, event).status_code == 200
    run_tasks()
    stored = StripeEvent.objects.get()
    assert stored.posting_id == posting.pk
    job = job_of(stored)
    assert (job.state, job.attempts) == ("failed", 1) and job.failed_at
    assert "ch_of_another_account" in job.last_error and "No such charge" in job.last_error
    assert task_rows().count() == 1  # no retry queued
    settings.STUCK_AFTER_SECONDS = 0
    assert recover_stuck_work() == []
    assert flagged(posting) == (True, True)
    assert JobPosting.objects.get().is_paid  # nothing else changed
    assert not Refund.objects.exists()
    assert deliver(client, event).status_code == 200  # Stripe's redelivery: acknowledged
    assert task_rows().count() == 1


@pytest.mark.parametrize("lost", ["vanished", "failed"])
def test_an_event_whose_task_was_lost_is_queued_again(
    client, paid_event, run_tasks, lost, settings
):
    posting, event = paid_event
    assert deliver(client, event).status_code == 200
    rows = task_rows()
    if lost == "vanished":
        rows.delete()
    else:
        rows.update(status="FAILED", finished_at=timezone.now())
    settings.STUCK_AFTER_SECONDS = 0
    [report] = recover_stuck_work()
    assert f"{KIND}:{event['id']}" in report
    assert recover_stuck_work() == []  # its new task is waiting: once is enough
    run_tasks()
    job = job_of(StripeEvent.objects.get())
    assert (job.state, job.attempts) == ("sent", 1)
    assert JobPosting.objects.get().is_paid
    assert recover_stuck_work() == []


def test_the_scheduler_runs_the_recovery_of_lost_events(client, paid_event, run_tasks, settings):
    from wizard.tasks import periodic_tasks, recover_stuck_side_effects

    assert recover_stuck_side_effects in periodic_tasks
    posting, event = paid_event
    assert deliver(client, event).status_code == 200
    task_rows().delete()
    settings.STUCK_AFTER_SECONDS = 0
    recover_stuck_side_effects.enqueue()
    run_tasks()  # the periodic job queues the event again, and the worker processes it
    assert StripeEvent.objects.get().state == "processed"
    assert JobPosting.objects.get().is_paid


def test_a_burst_of_deliveries_is_acknowledged_without_waiting_on_stripe(
    client, paid_event, fakestripe, run_tasks, settings
):
    """Stripe hangs; fifty deliveries (one real event, its retries, and others) are still
    answered at once, because the request stores and queues but never asks Stripe."""
    import time

    _, event = paid_event
    fakestripe.inject_fault("timeout", count=100, delay=5)
    events = [event] * 10 + [
        {**event, "id": f"evt_burst_{n}", "type": "checkout.session.expired"} for n in range(40)
    ]
    slowest = 0.0
    for event in events:
        started = time.monotonic()
        assert deliver(client, event).status_code == 200
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 1.0  # a Stripe call would take the fault's 5 s
    assert StripeEvent.objects.count() == 41
    assert len(fakestripe.faults()) == 1 and fakestripe.faults()[0]["count"] == 100

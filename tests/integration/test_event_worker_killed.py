"""A Stripe event's processing survives a SIGKILLed worker: a real `manage.py db_worker`
subprocess, against the test database, is killed while the event's handler waits on
Stripe; recovery queues the job left `sending` again, and the same runner that runs
every effect retries it with backoff until the posting is paid, once."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.integration.test_webhooks import deliver, paid_event  # noqa: F401  (a fixture)
from tests.processes import Processes, database_url
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.models import JobPosting, Status, StripeEvent, TransitionLog

STUCK_AFTER = 2  # STUCK_AFTER_SECONDS, here and in the worker
RETRY_BASE = 1  # EFFECT_RETRY_BASE_SECONDS for the worker: a real, short backoff
SESSION_RETRIEVE = "^/v1/checkout/sessions/cs_"


@pytest.mark.django_db(transaction=True)
def test_an_events_processing_survives_a_sigkilled_worker_and_is_retried_with_backoff(
    client,
    paid_event,  # noqa: F811  (the fixture imported above)
    fakestripe,
    tmp_path,
    settings,
):
    posting, event = paid_event
    settings.STUCK_AFTER_SECONDS = STUCK_AFTER
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRIPE_", "DATABASE_", "CRONTASK_", "EFFECT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        FAKESTRIPE_URL=fakestripe.url,
        STRIPE_TIMEOUT_SECONDS="60",  # the hung request below outlives the worker
        STRIPE_MAX_NETWORK_RETRIES="0",
        EFFECT_RETRY_BASE_SECONDS=str(RETRY_BASE),
        STUCK_AFTER_SECONDS=str(STUCK_AFTER),
        VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="WARNING",
    )
    processes = Processes(env, tmp_path)

    def wait_for(what, condition, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            time.sleep(0.1)
        pytest.fail(f"waited {timeout}s for {what}\n{processes.output()}")

    def start_worker():
        return processes.start(
            "db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay"
        )

    def job():
        return Job.objects.get(stripe_event__event_id=event["id"])

    # Stripe hangs on the handler's request: the worker is killed in the middle of it.
    fakestripe.inject_fault("timeout", count=1, method="GET", path=SESSION_RETRIEVE, delay=60)
    assert deliver(client, event).status_code == 200
    try:
        worker = start_worker()
        wait_for("the handler to be under way", lambda: job().state == "sending", timeout=15)
        wait_for("the handler to wait on Stripe", lambda: not fakestripe.faults(), timeout=15)
        processes.kill(worker)
        assert (job().state, job().attempts) == ("sending", 1)
        assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

        # Stripe is back, but answers the next attempt with a 500: a backoff, then success.
        fakestripe.inject_fault("500", count=1, method="GET", path=SESSION_RETRIEVE)
        time.sleep(STUCK_AFTER + 0.5)
        repaired = recover_stuck_work()
        assert any(f"stripe_event:{event['id']}" in line for line in repaired), repaired
        assert job().state == "queued"

        start_worker()
        failed_at = wait_for(
            "the second attempt to fail and be retried",
            lambda: job().attempts == 2 and job().state == "queued" and timezone.now(),
            timeout=15,
        )
        retry = DBTaskResult.objects.filter(args_kwargs__args__0=job().pk, status="READY").get()
        assert retry.run_after > failed_at - timedelta(seconds=1)  # not at once: a backoff
        assert "Stripe answered 500" in job().last_error
        wait_for("the event to be processed", lambda: job().state == "sent", timeout=15)
    finally:
        processes.kill_all()

    assert job().attempts == 3  # the killed attempt, the 500, the one that paid
    assert StripeEvent.objects.get().state == "processed"
    assert JobPosting.objects.get().is_paid
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1

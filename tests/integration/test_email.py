"""The confirmation email survives provider outages, refusals, bounces and worker crashes."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from anymail.exceptions import AnymailRecipientsRefused
from django.core import mail
from django.db import connection
from django.test import override_settings

from tests.attempts import paid_as_recorded
from tests.mailers import ScriptedESP
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.maintenance.task_rows import mark_dead_tasks
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

TEST_ESP = {"default": {"BACKEND": "tests.mailers.ScriptedESP"}}
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def postmark_tracking(settings):
    """The delivery reports below come from Postmark: its tracking webhook is the one served."""
    settings.EMAIL_TRACKING_ESP = "postmark"


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.EFFECT_RETRY_BASE_SECONDS = 0  # retries become due at once, so run_tasks runs them
    ScriptedESP.script = []


@override_settings(MAILERS=TEST_ESP)
def test_an_esp_failing_three_times_then_succeeding_sends_one_email(run_tasks):
    ScriptedESP.script = [500, 500, 500]
    paid_as_recorded()
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    assert (record.state, record.attempts) == ("sent", 4)
    assert len(mail.outbox) == 1  # the three refused attempts never reached the outbox
    assert record.provider_id == "0"
    assert mail.outbox[0].extra_headers["X-Jobwizard-Email"] == f"{record.pk}/4"
    assert JobPosting.objects.get().status == Status.IN_REVIEW


@override_settings(MAILERS=TEST_ESP)
def test_a_rate_limited_esp_is_retried_too(run_tasks):
    ScriptedESP.script = [429]
    paid_as_recorded()
    run_tasks()
    assert Job.objects.filter(kind="email").get().attempts == 2
    assert len(mail.outbox) == 1


@override_settings(MAILERS=TEST_ESP)
def test_a_permanent_refusal_fails_at_once_alerts_staff_and_keeps_the_payment(
    run_tasks, admin_client, client
):
    ScriptedESP.script = [422, 500]
    posting = paid_as_recorded()
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    assert (record.state, record.attempts) == ("failed", 1)
    assert "422" in record.last_error
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW  # never refunded, undone or held back
    # A refusal that names no recipient is not the employer's to fix (test_staff_notices).
    assert "a problem on our side" in posting.last_error_message
    attention = admin_client.get("/admin/wizard/jobposting/", {"attention": "receipt"})
    assert list(attention.context["cl"].result_list) == [posting]
    failed = admin_client.get("/admin/wizard/job/", {"state": "failed"})
    assert list(failed.context["cl"].result_list) == [record]


@override_settings(MAILERS=TEST_ESP)
def test_retries_stop_at_the_limit(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 3
    ScriptedESP.script = [503] * 5
    paid_as_recorded()
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    assert (record.state, record.attempts) == ("failed", 3)
    assert mail.outbox == []


@override_settings(MAILERS=TEST_ESP)
def test_a_sent_email_is_never_sent_again_by_a_retry_or_the_recovery(run_tasks, settings):
    paid_as_recorded()
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    from wizard.jobs.runner import run_job

    run_job.enqueue(record.pk)  # a stray duplicate task
    settings.STUCK_AFTER_SECONDS = 0
    recover_stuck_work()
    run_tasks()
    assert len(mail.outbox) == 1
    record.refresh_from_db()
    assert (record.state, record.attempts) == ("sent", 1)


@override_settings(MAILERS=TEST_ESP)
def test_the_employer_corrects_the_address_and_resends(client, run_tasks):
    from tests.factories import own

    ScriptedESP.script = [AnymailRecipientsRefused("The recipient was refused.")]
    posting = paid_as_recorded()
    own(client, posting)
    run_tasks()
    page = client.get(f"/post/{posting.pk}/confirmation/")
    assert b"couldn&#x27;t email you" in page.content or b"couldn't email you" in page.content

    response = client.post(
        f"/post/{posting.pk}/confirmation/", {"contact_email": "right@acme.example"}
    )
    assert response.status_code == 200
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    assert (record.state, record.target) == ("sent", "right@acme.example")
    assert mail.outbox[-1].to == ["right@acme.example"]
    assert JobPosting.objects.get().status == Status.IN_REVIEW

    again = client.post(
        f"/post/{posting.pk}/confirmation/", {"contact_email": "right@acme.example"}
    )
    assert b"You can ask again in" in again.content  # limited in rate
    assert len(mail.outbox) == 1


# --- Delivery tracking --------------------------------------------------------------


def postmark_event(record_type, message_id, **fields):
    return {
        "RecordType": record_type,
        "MessageID": message_id,
        "Recipient": "hiring@acme.example",
        "Email": "hiring@acme.example",
        **fields,
    }


def post_tracking(client, payload, auth="jobwizard:local-development-only"):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(
        "/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        **headers,
    )


@override_settings(MAILERS=TEST_ESP)
def test_a_bounce_report_updates_the_row_and_alerts(client, run_tasks, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "jobwizard:local-development-only"}
    paid_as_recorded()
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    response = post_tracking(
        client,
        postmark_event(
            "Bounce",
            record.provider_id,
            Type="HardBounce",
            TypeCode=1,
            Description="The server was unable to deliver your message",
            BouncedAt="2026-11-28T10:00:00Z",
        ),
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.state == "bounced"
    assert "bounced" in record.last_error
    assert "couldn't email you" in JobPosting.objects.get().last_error_message
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # the payment stands


@override_settings(MAILERS=TEST_ESP)
def test_a_delivery_report_marks_the_row_delivered(client, run_tasks, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "jobwizard:local-development-only"}
    paid_as_recorded()
    run_tasks()
    record = Job.objects.filter(kind="email").get()
    response = post_tracking(
        client,
        postmark_event("Delivery", record.provider_id, DeliveredAt="2026-11-28T10:00:00Z"),
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.state == "delivered" and record.delivered_at


@pytest.mark.parametrize("auth", [None, "jobwizard:wrong"])
def test_a_tracking_webhook_without_valid_auth_gets_a_400_and_changes_nothing(
    client, auth, settings
):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "jobwizard:local-development-only"}
    posting = paid_as_recorded()
    Job.objects.filter(kind="email").update(state="sent", provider_id="m-1")
    response = post_tracking(client, postmark_event("Bounce", "m-1", Type="HardBounce"), auth=auth)
    assert response.status_code == 400
    assert Job.objects.filter(kind="email").get().state == "sent"
    assert JobPosting.objects.get(pk=posting.pk).last_error_message == ""


# --- Crash recovery -----------------------------------------------------------------


def worker_environment(tmp_path, mail_backend):
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MAIL_BACKEND": mail_backend,
        "MAIL_FILE_PATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def start_worker(env, *args):
    log = open(Path(env["MAIL_FILE_PATH"]).parent / "worker.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
            *args,
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_recovered_with_at_most_one_duplicate(tmp_path, settings):
    posting = paid_as_recorded()
    worker = start_worker(worker_environment(tmp_path, "tests.mailers.HangingFileMailer"))
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "hanging").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "hanging").exists(), (tmp_path.parent / "worker.log").read_text()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    record = Job.objects.filter(kind="email").get()
    assert record.state == "sending"  # the provider has the message; we never heard back

    settings.STUCK_AFTER_SECONDS = 1
    time.sleep(1.1)
    assert any("marked failed: worker died" in line for line in mark_dead_tasks())
    repaired = recover_stuck_work()
    assert any("re-queued after an interrupted attempt" in line for line in repaired)

    finisher = start_worker(worker_environment(tmp_path, "file"), "--batch")
    assert finisher.wait(timeout=60) == 0
    record.refresh_from_db()
    assert (record.state, record.attempts) == ("sent", 2)
    messages = sorted(tmp_path.glob("*.log"))
    assert len(messages) == 2  # the one the killed worker handed over, and one duplicate
    headers = [m.read_text() for m in messages]
    assert any(f"X-Jobwizard-Email: {record.pk}/1" in h for h in headers)
    assert any(f"X-Jobwizard-Email: {record.pk}/2" in h for h in headers)
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW

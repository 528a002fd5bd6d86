"""/metrics: off without METRICS_TOKEN, closed without it, and the numbers a team alerts on."""

import base64
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from tests.events import stored_event
from tests.factories import posting_at
from wizard.jobs import runner
from wizard.jobs.models import Job
from wizard.models import Refund, Status, StripeEvent
from wizard.ops import heartbeat
from wizard.ops.models import Heartbeat
from wizard.tasks import prune_old_task_rows

pytestmark = pytest.mark.django_db


def scrape(client, token="s3cret"):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    basic = base64.b64encode(b"prometheus:s3cret").decode()
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {basic}").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic %%%").status_code == 401
    assert scrape(client)


def test_metrics_report_what_a_team_alerts_on(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    now = timezone.now()
    paid = posting_at(Status.PAID)
    other = posting_at(Status.IN_REVIEW)
    with transaction.atomic():
        runner.queue(paid, "email", "confirmation")  # queued: in flight, and a waiting task
        runner.queue(other, "email", "approved")
    Job.objects.filter(posting=other).update(state="failed")
    DBTaskResult.objects.update(enqueued_at=now - timedelta(seconds=90))
    stored_event("evt_old", posting=paid)  # queued: its job waits
    StripeEvent.objects.filter(event_id="evt_old").update(received_at=now - timedelta(minutes=7))
    stored_event("evt_done", state="sent", posting=paid)
    stored_event("evt_bad", state="failed")
    Refund.objects.create(
        posting=paid, payment_intent_id="pi_1", amount=100, currency="usd", reason="staff"
    )
    Refund.objects.filter(payment_intent_id="pi_1").update(created_at=now - timedelta(hours=2))
    Refund.objects.create(
        posting=other,
        payment_intent_id="pi_2",
        amount=100,
        currency="usd",
        reason="staff",
        state="failed",
    )
    heartbeat.beat()
    Heartbeat.objects.update(beat_at=now - timedelta(seconds=42))

    metrics = scrape(client)

    queue = (("queue", "default"),)
    assert metrics[("jobwizard_task_queue_waiting", queue)] == 2
    assert 90 <= metrics[("jobwizard_task_queue_oldest_age_seconds", queue)] < 100
    assert metrics[("jobwizard_effects_in_flight", (("kind", "email"),))] == 1
    assert metrics[("jobwizard_effects_failed", (("kind", "email"),))] == 1
    assert metrics[("jobwizard_effects_failed", (("kind", "refund"),))] == 0
    assert metrics[("jobwizard_webhook_events_pending", ())] == 1
    assert 420 <= metrics[("jobwizard_webhook_lag_seconds", ())] < 430
    assert metrics[("jobwizard_webhook_events_failed", ())] == 1
    assert metrics[("jobwizard_refunds_pending", ())] == 1
    assert 7200 <= metrics[("jobwizard_refund_oldest_pending_age_seconds", ())] < 7210
    assert metrics[("jobwizard_refunds_failed", ())] == 1
    assert 42 <= metrics[("jobwizard_scheduler_heartbeat_age_seconds", ())] < 50
    assert metrics[("jobwizard_postings", (("status", "in_review"),))] == 1
    assert metrics[("jobwizard_postings", (("status", "draft"),))] == 0


def test_an_idle_system_reports_zeros_and_a_missing_heartbeat(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    metrics = scrape(client)
    assert metrics[("jobwizard_task_queue_waiting", (("queue", "default"),))] == 0
    assert metrics[("jobwizard_task_queue_oldest_age_seconds", (("queue", "default"),))] == 0
    assert metrics[("jobwizard_webhook_lag_seconds", ())] == 0
    assert metrics[("jobwizard_scheduler_heartbeat_age_seconds", ())] == float("inf")


def test_failed_task_runs_are_counted_by_task(client, settings, run_tasks):
    settings.METRICS_TOKEN = "s3cret"
    with mock.patch("wizard.tasks.prune_task_results", side_effect=RuntimeError("disk full")):
        prune_old_task_rows.enqueue()
        run_tasks()
    metrics = scrape(client)
    assert (
        metrics[("jobwizard_tasks_failed_last_hour", (("task", prune_old_task_rows.module_path),))]
        == 1
    )

"""/health/ and its checks, each failing when its condition fails, and /health/live/."""

import base64
import os
from datetime import timedelta
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config.settings import cache_from_url
from tests.hung_server import hung_server, stopped_url
from tests.s3 import s3_server_fixture, s3_storage_fixture  # noqa: F401
from wizard.ops import heartbeat
from wizard.ops.models import Heartbeat
from wizard.tasks import prune_old_task_rows

pytestmark = pytest.mark.django_db

TOKEN = "health-and-metrics-token"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def health(client):
    """Each check's result, as the monitoring sees them (with METRICS_TOKEN)."""
    response = client.get(
        "/health/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    return response.status_code, response.json()


def result_of(results, check):
    return next(value for name, value in results.items() if name.startswith(check))


@pytest.fixture
def healthy(settings):
    """Everything /health/ checks works: a fresh heartbeat, nothing waiting."""
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 60
    settings.SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS = 60
    heartbeat.beat()


def test_health_is_ok_when_everything_works(client, healthy):
    status, results = health(client)
    assert status == 200, results
    assert set(results.values()) == {"OK"}
    assert {name.split("(")[0] for name in results} == {
        "Database",
        "Storage",
        "QueueAge",
        "SchedulerHeartbeat",
        "Cache",
    }


def test_health_is_never_cached_and_sets_no_cookie(client, healthy):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_health_fails_when_the_database_fails(client, healthy):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        status, results = health(client)
    assert status == 500
    assert result_of(results, "Database").startswith("Unavailable")


def test_health_fails_when_the_storage_fails(client, healthy):
    with mock.patch(
        "django.core.files.storage.FileSystemStorage._save", side_effect=OSError("disk full")
    ):
        status, results = health(client)
    assert status == 500
    assert result_of(results, "Storage") != "OK"
    assert result_of(results, "Database") == "OK"


def test_health_checks_the_s3_bucket(client, healthy, s3_storage):
    assert health(client)[0] == 200
    assert s3_storage.keys() == []  # the probe file is deleted
    s3_storage.empty_and_delete()
    status, results = health(client)
    assert status == 500 and result_of(results, "Storage") != "OK"


def test_health_fails_when_a_task_waits_too_long_for_a_worker(client, healthy, settings):
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 60
    queued = prune_old_task_rows.enqueue()
    assert health(client)[0] == 200  # just queued

    DBTaskResult.objects.filter(pk=queued.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=61)
    )
    status, results = health(client)
    assert status == 500
    assert "has waited 61 s for a worker (limit 60 s)" in result_of(results, "QueueAge")

    DBTaskResult.objects.filter(pk=queued.id).update(status="RUNNING", started_at=timezone.now())
    assert health(client)[0] == 200  # a worker took it


def test_a_task_waiting_for_its_retry_time_is_not_late(client, healthy, settings):
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 60
    long_ago = timezone.now() - timedelta(hours=1)
    later = prune_old_task_rows.using(run_after=timezone.now() + timedelta(minutes=5)).enqueue()
    due = prune_old_task_rows.using(run_after=timezone.now() - timedelta(seconds=30)).enqueue()
    DBTaskResult.objects.filter(pk__in=[later.id, due.id]).update(enqueued_at=long_ago)
    # Due 30 s ago: it has waited 30 s, not the hour since it was queued.
    assert health(client)[0] == 200
    DBTaskResult.objects.filter(pk=due.id).update(run_after=timezone.now() - timedelta(seconds=90))
    assert health(client)[0] == 500


def test_health_fails_without_a_recent_scheduler_heartbeat(client, healthy, settings):
    settings.SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS = 180
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=181))
    status, results = health(client)
    assert status == 500
    assert "last heartbeat is 181 s old (limit 180 s" in result_of(results, "SchedulerHeartbeat")

    heartbeat.beat()
    assert health(client)[0] == 200

    Heartbeat.objects.all().delete()
    status, results = health(client)
    assert status == 500 and "never beaten" in result_of(results, "SchedulerHeartbeat")


def test_the_heartbeat_names_the_process_that_beat():
    heartbeat.beat()
    beat = Heartbeat.objects.get(name="scheduler")
    assert beat.pid == os.getpid() and beat.host
    assert timezone.now() - beat.beat_at < timedelta(seconds=5)


# --- What strangers see: the status only (issue 17, item 5) --------------------------------


def stale_heartbeat():
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(hours=1))


@pytest.mark.parametrize(
    "asked",
    [
        {"HTTP_ACCEPT": "application/json"},
        {"HTTP_ACCEPT": "text/plain"},
        {"HTTP_ACCEPT": "text/html"},
        {"HTTP_ACCEPT": "application/openmetrics-text"},
        {"QUERY_STRING": "format=json"},
        {"QUERY_STRING": "format=atom"},
        {"HTTP_AUTHORIZATION": "Bearer not-the-token"},
    ],
)
def test_strangers_get_the_status_alone(client, healthy, asked):
    ok = client.get("/health/", **asked)
    assert ok.status_code == 200
    assert ok.content.strip() in (b"ok", b'{"status": "ok"}')
    stale_heartbeat()
    failing = client.get("/health/", **asked)
    assert failing.status_code == 500
    assert failing.content.strip() in (b"failing", b'{"status": "failing"}')
    for detail in (b"pid", b"heartbeat", b"Scheduler", b"Database", str(os.getpid()).encode()):
        assert detail not in failing.content, detail
    assert "no-store" in failing["Cache-Control"]


def test_the_token_and_staff_see_each_check(client, healthy, admin_client, settings):
    stale_heartbeat()
    status, results = health(client)
    assert status == 500 and f"pid {os.getpid()}" in result_of(results, "SchedulerHeartbeat")
    response = admin_client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert f"pid {os.getpid()}" in result_of(response.json(), "SchedulerHeartbeat")
    # Basic auth with the token as the password, as /metrics takes it.
    basic = client.get(
        "/health/",
        HTTP_ACCEPT="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"prometheus:{TOKEN}".encode()).decode(),
    )
    assert "SchedulerHeartbeat" in "".join(basic.json())
    # Without METRICS_TOKEN set, no header opens the details.
    settings.METRICS_TOKEN = ""
    response = client.get("/health/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION="Bearer ")
    assert response.json() == {"status": "failing"}


@pytest.mark.parametrize("accept", ["0", "text/html;q=2", "*/*;q=x"])
def test_an_unreadable_accept_header_is_not_a_server_error(client, healthy, accept):
    """django-health-check raised ValueError on it: a 500 even with every check passing."""
    response = client.get("/health/", HTTP_ACCEPT=accept, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert b"SchedulerHeartbeat" in response.content
    assert client.get("/health/", HTTP_ACCEPT=accept).content == b"ok\n"


def test_staff_who_are_not_active_or_not_staff_see_the_status_alone(client, healthy):
    from django.contrib.auth.models import User

    stale_heartbeat()
    for user in (
        User.objects.create_user("employer"),
        User.objects.create_user("gone", is_staff=True, is_active=False),
    ):
        client.force_login(user)
        assert client.get("/health/", HTTP_ACCEPT="application/json").json() == {
            "status": "failing"
        }


def test_liveness_answers_before_the_host_check_and_the_database(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=AssertionError("no DB")
    ):
        response = client.get("/health/live/", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert not response.cookies


# --- The cache: a warning, never a failure (issue 18) ------------------------------------


def test_a_hung_or_stopped_cache_is_a_warning_not_a_failure(client, healthy, settings):
    with hung_server() as server:
        for url, why in [(server.url, "no answer within 0.25 s"), (stopped_url(), "cannot be")]:
            settings.CACHES = {"default": cache_from_url(url)}
            status, results = health(client)
            assert status == 200, results
            assert result_of(results, "Cache").startswith("Warning: degraded"), results
            assert why in result_of(results, "Cache")
            assert {result_of(results, name) for name in ("Database", "QueueAge")} == {"OK"}
            # Asked again while the process leaves the cache alone: still a warning.
            assert "skipped for now" in result_of(health(client)[1], "Cache")

            stranger = client.get("/health/", HTTP_ACCEPT="application/json")
            assert stranger.status_code == 200 and stranger.json() == {"status": "degraded"}
            assert client.get("/health/live/").status_code == 200


def test_a_warning_with_a_failure_still_fails(client, healthy, settings):
    settings.CACHES = {"default": cache_from_url(stopped_url())}
    stale_heartbeat()
    status, results = health(client)
    assert status == 500 and result_of(results, "Cache").startswith("Warning")
    assert client.get("/health/").content == b"failing\n"

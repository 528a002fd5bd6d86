"""Periodic work survives killed processes: real `manage.py crontask` and `db_worker`
subprocesses against the test database, SIGKILLed mid-run and restarted."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.processes import PROJECT_ROOT, Processes, database_url
from wizard.maintenance.task_rows import mark_dead_tasks
from wizard.tasks import enqueue_unless_waiting, periodic_tasks, prune_old_task_rows

INTERVAL = 1  # MAINTENANCE_INTERVAL_SECONDS for the subprocesses
STUCK_AFTER = 2  # STUCK_AFTER_SECONDS for the subprocesses

PERIODIC_TASK_PATHS = {
    "wizard.tasks.reconcile_payments",
    "wizard.tasks.recover_stuck_side_effects",
    "wizard.tasks.fail_dead_tasks",
    "wizard.tasks.abandon_stale_drafts",
    "wizard.tasks.delete_orphan_logos",
    "wizard.tasks.expire_postings",
    "wizard.tasks.warn_of_expiring_postings",
    "wizard.tasks.prune_old_task_rows",
    "wizard.tasks.prune_limit_uses",
    "wizard.tasks.prune_sign_in_requests",
    "wizard.tasks.watch_paid_postings",
    "wizard.tasks.flush_job_numbers",
}
RECONCILE = "wizard.tasks.reconcile_payments"

LIST_SCHEDULED_JOBS = """
import json
import django

django.setup()
from crontask import scheduler
from crontask.management.commands.crontask import Command

Command().load_tasks({})  # what `manage.py crontask` does before it starts the scheduler
print(json.dumps([
    {"id": job.id, "seconds": job.trigger.interval.total_seconds(), "func": job.func.__name__}
    for job in scheduler.get_jobs()
]))
"""


def test_every_job_is_registered_with_the_scheduler_at_the_configured_interval():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["MAINTENANCE_INTERVAL_SECONDS"] = "7"
    listed = subprocess.run(
        [sys.executable, "-c", LIST_SCHEDULED_JOBS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    jobs = {job["id"]: job for job in json.loads(listed.stdout.strip().splitlines()[-1])}
    # The scheduler's own heartbeat runs in its process, not as a task.
    heartbeat = jobs.pop("wizard.ops.heartbeat")
    assert (heartbeat["seconds"], heartbeat["func"]) == (7, "scheduled_beat")
    assert set(jobs) == PERIODIC_TASK_PATHS
    assert {job["seconds"] for job in jobs.values()} == {7}
    assert {job["func"] for job in jobs.values()} == {"scheduled_enqueue"}
    assert {task.module_path for task in periodic_tasks} == PERIODIC_TASK_PATHS


@pytest.mark.django_db
def test_a_run_is_not_queued_while_the_previous_one_still_waits():
    assert enqueue_unless_waiting(prune_old_task_rows) is not None
    assert enqueue_unless_waiting(prune_old_task_rows) is None
    rows = DBTaskResult.objects.filter(task_path=prune_old_task_rows.module_path)
    assert rows.count() == 1
    # A run that has started (or whose worker died) does not hold back the next one.
    rows.update(status="RUNNING", started_at=timezone.now())
    assert enqueue_unless_waiting(prune_old_task_rows) is not None
    assert rows.filter(status="READY").count() == 1


@pytest.mark.django_db
def test_task_rows_left_running_too_long_are_marked_failed(settings):
    settings.STUCK_AFTER_SECONDS = 60
    dead = prune_old_task_rows.enqueue()
    alive = prune_old_task_rows.enqueue()
    long_ago = timezone.now() - timedelta(seconds=61)
    DBTaskResult.objects.filter(pk=dead.id).update(status="RUNNING", started_at=long_ago)
    DBTaskResult.objects.filter(pk=alive.id).update(status="RUNNING", started_at=timezone.now())

    assert mark_dead_tasks() == [
        f"task {dead.id} ({dead.task.module_path}) marked failed: worker died"
    ]
    assert mark_dead_tasks() == []  # repeated: nothing left to do
    dead_row = DBTaskResult.objects.get(pk=dead.id)
    assert dead_row.status == "FAILED"
    assert dead_row.exception_class_path == "wizard.maintenance.task_rows.WorkerDied"
    assert DBTaskResult.objects.get(pk=alive.id).status == "RUNNING"


# --- real processes -------------------------------------------------------------------


def rows():
    return DBTaskResult.objects.filter(task_path__in=PERIODIC_TASK_PATHS)


@pytest.mark.django_db(transaction=True)
def test_periodic_work_survives_sigkilled_workers_and_schedulers(fakestripe, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRIPE_", "DATABASE_", "CRONTASK_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        MAINTENANCE_INTERVAL_SECONDS=str(INTERVAL),
        STUCK_AFTER_SECONDS=str(STUCK_AFTER),
        FAKESTRIPE_URL=fakestripe.url,
        STRIPE_TIMEOUT_SECONDS="60",  # the hung request below outlives the worker
        STRIPE_MAX_NETWORK_RETRIES="0",
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

    def start_scheduler():
        return processes.start("crontask", "--no-heartbeat")

    # Stripe will hang on the next request, so the reconciler hangs inside the worker.
    fakestripe.inject_fault("timeout", method="GET", path="/v1/checkout/sessions", delay=60)
    try:
        worker = start_worker()
        scheduler = start_scheduler()
        hung = wait_for(
            "the reconciler to be running",
            lambda: rows().filter(task_path=RECONCILE, status="RUNNING").first(),
            timeout=15,
        )
        # The busy worker leaves the next runs queued: at most one waiting run per job.
        time.sleep(2.5 * INTERVAL)
        waiting = [row.task_path for row in rows().filter(status="READY")]
        assert len(waiting) == len(set(waiting)) and RECONCILE in waiting, waiting

        processes.kill(worker)  # mid-job: its task row stays RUNNING forever
        worker_died_at = timezone.now()
        assert DBTaskResult.objects.get(pk=hung.pk).status == "RUNNING"

        start_worker()
        wait_for(
            "every job to run again after the worker's restart",
            lambda: (
                set(
                    rows()
                    .filter(status="SUCCESSFUL", finished_at__gt=worker_died_at)
                    .values_list("task_path", flat=True)
                )
                == PERIODIC_TASK_PATHS
            ),
            timeout=5 + INTERVAL,
        )
        hung_row = wait_for(
            "the dead worker's row to be marked failed",
            lambda: DBTaskResult.objects.filter(pk=hung.pk, status="FAILED").first(),
            timeout=STUCK_AFTER + 3 * INTERVAL,
        )
        assert hung_row.exception_class_path.endswith(".WorkerDied")

        processes.kill(scheduler)
        scheduler_died_at = timezone.now()
        time.sleep(1.5 * INTERVAL)
        assert not rows().filter(enqueued_at__gt=scheduler_died_at).exists()  # no one queues

        restarted_at = timezone.now()
        start_scheduler()
        wait_for(
            "every job to be queued and run again after the scheduler's restart",
            lambda: (
                set(
                    rows()
                    .filter(status="SUCCESSFUL", enqueued_at__gt=restarted_at)
                    .values_list("task_path", flat=True)
                )
                == PERIODIC_TASK_PATHS
            ),
            timeout=5 + 2 * INTERVAL,
        )
    finally:
        processes.kill_all()
        fakestripe.reset()  # release the hung request

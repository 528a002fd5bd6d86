"""Periodic work: one task per job, queued every MAINTENANCE_INTERVAL_SECONDS by the
scheduler (`manage.py crontask`, which imports this module) and run by the task
workers (`manage.py db_worker`).

Each job is its own task, so a job that fails, hangs or dies with its worker never
stops another, and the scheduler is a separate process that keeps queuing whatever
happens to a worker. A run is queued only when none of the same job is already
waiting for a worker, so runs do not pile up while the workers are busy or down.
Every job is safe to run twice at once (two workers, two schedulers).

The scheduler also writes its own heartbeat (wizard.ops.heartbeat), in its own process,
at start and every interval: /health/ and /metrics tell from its age whether it runs.
"""

import logging
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.triggers.interval import IntervalTrigger
from crontask import scheduler
from django.conf import settings
from django.db import close_old_connections
from django.tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from wizard.board.flush import flush_numbers
from wizard.effects.email import warn_expiring_postings
from wizard.employers import sign_in
from wizard.jobs.recovery import recover_stuck_work
from wizard.maintenance.sweepers import (
    sweep_abandoned_drafts,
    sweep_limit_uses,
    sweep_orphan_logos,
)
from wizard.maintenance.task_rows import mark_dead_tasks, prune_task_results
from wizard.ops import watch
from wizard.ops.heartbeat import scheduled_beat
from wizard.payments.reconcile import ReconcileIncomplete, reconcile
from wizard.postings.review import expire_due_postings

logger = logging.getLogger(__name__)

# One thread runs the jobs in turn: each only queues a task (a query or two). APScheduler's
# default pool of 10 threads kept one database connection per thread for
# DATABASE_CONN_MAX_AGE, ten for one scheduler (docs/operations.md, "Sizing"). A run
# held up behind the others runs late, never skipped.
scheduler.configure(
    executors={"default": ThreadPoolExecutor(max_workers=1)},
    job_defaults={"misfire_grace_time": None, "coalesce": True},
)

periodic_tasks = []


def enqueue_unless_waiting(periodic_task):
    """Queue a run of periodic_task unless one is already waiting (READY) for a worker.
    Returns the queued run, or None."""
    waiting = DBTaskResult.objects.filter(
        task_path=periodic_task.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        logger.info("%s: the previous run is still queued", periodic_task.name)
        return None
    return periodic_task.enqueue()


def scheduled_enqueue(periodic_task):
    """The scheduler's job. Its threads live as long as the process, so each call starts
    and ends like a request does: without a stale or broken database connection."""
    close_old_connections()
    try:
        enqueue_unless_waiting(periodic_task)
    finally:
        close_old_connections()


def every_interval(periodic_task):
    """Decorator (over @task): have the scheduler queue this task every interval."""
    scheduler.add_job(
        scheduled_enqueue,
        IntervalTrigger(seconds=settings.MAINTENANCE_INTERVAL_SECONDS),
        args=[periodic_task],
        id=periodic_task.module_path,
        name=periodic_task.module_path,
        replace_existing=True,
    )
    periodic_tasks.append(periodic_task)
    return periodic_task


scheduler.add_job(
    scheduled_beat,
    IntervalTrigger(seconds=settings.MAINTENANCE_INTERVAL_SECONDS),
    id="wizard.ops.heartbeat",
    name="wizard.ops.heartbeat",
    next_run_time=datetime.now(UTC),  # at once: a restarted scheduler shows up at once
    replace_existing=True,
)


# Return values are stored as JSON on the task row: sentences and ids, as strings.


@every_interval
@task
def reconcile_payments():
    """Fails (after every pass has run) when Stripe could not be asked: the run shows as
    failed, the next one tries again. The differences found are counted for /metrics, and
    staff told of them over the threshold (wizard.ops.watch)."""
    try:
        differences = reconcile()
    except ReconcileIncomplete as exc:
        watch.money_differences(exc.differences, complete=False)
        raise
    watch.money_differences(differences)
    return [str(difference) for difference in differences]


@every_interval
@task
def watch_paid_postings():
    return [str(posting_id) for posting_id in watch.paid_postings_not_in_review()]


@every_interval
@task
def recover_stuck_side_effects():
    """Every job's recovery, Stripe events' included (and their adoption)."""
    return recover_stuck_work()


@every_interval
@task
def fail_dead_tasks():
    return mark_dead_tasks()


@every_interval
@task
def abandon_stale_drafts():
    return [str(posting_id) for posting_id in sweep_abandoned_drafts()]


@every_interval
@task
def delete_orphan_logos():
    return sweep_orphan_logos()


@every_interval
@task
def expire_postings():
    return [str(posting_id) for posting_id in expire_due_postings()]


@every_interval
@task
def warn_of_expiring_postings():
    return [str(posting_id) for posting_id in warn_expiring_postings()]


@every_interval
@task
def prune_old_task_rows():
    prune_task_results()


@every_interval
@task
def prune_limit_uses():
    return sweep_limit_uses()


@every_interval
@task
def prune_sign_in_requests():
    return sign_in.prune()


@every_interval
@task
def flush_job_numbers():
    """The job pages' views and apply clicks, from the cache into DailyNumbers."""
    return flush_numbers()

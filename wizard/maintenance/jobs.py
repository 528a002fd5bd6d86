"""Periodic maintenance: one self-rescheduling task that the task worker runs.

It reconciles payments with Stripe, recovers side effects left half done,
abandons stale drafts, deletes orphan logo files, expires postings (warning their
employers first) and prunes old task rows.

`manage.py schedule_maintenance` (run by `make run` and at each deploy) makes sure
one run is queued; each run queues the next, even when its jobs fail. Every job
is safe to run twice at once, so an occasional duplicate chain does no harm.
"""

import logging
from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wizard.effects.recovery import recover_stuck_work
from wizard.maintenance.sweepers import sweep_abandoned_drafts, sweep_orphan_logos
from wizard.payments.reconcile import reconcile
from wizard.postings.review import expire_due_postings, warn_expiring_postings

logger = logging.getLogger(__name__)


def jobs():
    return [
        ("reconcile payments", reconcile),
        ("recover stuck work", recover_stuck_work),
        ("sweep abandoned drafts", sweep_abandoned_drafts),
        ("sweep orphan logos", sweep_orphan_logos),
        ("expire postings", expire_due_postings),
        ("warn of expiring postings", warn_expiring_postings),
        ("prune finished task rows", prune_task_results),
    ]


def prune_task_results():
    call_command(
        "prune_db_task_results",
        min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        failed_min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        stdout=StringIO(),
    )


@task()
def run_maintenance():
    failures = []
    try:
        for name, job in jobs():
            try:
                job()
            except Exception:
                logger.exception("Maintenance job %r failed", name)
                failures.append(name)
    finally:
        ensure_scheduled(delay=timedelta(seconds=settings.MAINTENANCE_INTERVAL_SECONDS))
    if failures:
        raise RuntimeError(f"Maintenance jobs failed: {', '.join(failures)}")
    return "ok"


def ensure_scheduled(delay=timedelta(0)):
    """Queue the next run unless one is already waiting. Returns True when it queued one."""
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=run_maintenance.module_path
    )
    if waiting.exists():
        return False
    run_maintenance.using(run_after=timezone.now() + delay).enqueue()
    return True

"""Periodic maintenance: one self-rescheduling task that the task worker runs.

`manage.py schedule_maintenance` (run by `make run` and at each deploy) makes sure
one run is queued; each run queues the next, even when its jobs fail. Every job
is safe to run twice at once, so an occasional duplicate chain does no harm.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def jobs():
    from .payments.reconcile import reconcile

    return [("reconcile payments", reconcile)]


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

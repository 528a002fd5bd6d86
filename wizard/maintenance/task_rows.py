"""Housekeeping of django-tasks-db's task rows: fail the ones a dead worker left
RUNNING, and prune old finished ones.

Both are safe to run concurrently and repeatedly: a row is re-checked under its
lock before it is marked, and pruning deletes only what is old enough.
"""

from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


class WorkerDied(Exception):
    """Recorded on task rows left RUNNING by a worker that was killed."""


def mark_dead_tasks():
    """Mark task rows RUNNING for longer than STUCK_AFTER_SECONDS as failed: their worker
    died (SIGKILL, OOM, a lost machine) and django-tasks-db never recovers them.
    Returns a sentence per row marked."""
    stuck_before = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)
    marked = []
    dead = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stuck_before)
    for task_id in dead.values_list("pk", flat=True):
        with transaction.atomic():
            task_result = dead.select_for_update().filter(pk=task_id).first()
            if task_result is None:
                continue  # finished, or already marked, meanwhile
            task_result.set_failed(WorkerDied(f"still running since {task_result.started_at}"))
        marked.append(f"task {task_id} ({task_result.task_path}) marked failed: worker died")
    return marked


def prune_task_results():
    """Delete finished task rows older than TASK_RESULTS_KEEP_DAYS."""
    call_command(
        "prune_db_task_results",
        min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        failed_min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        stdout=StringIO(),
    )

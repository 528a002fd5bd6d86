"""Drive forward the jobs that a crash or an outage left half done.

Safe to run concurrently and repeatedly: it only re-queues jobs under a lock
after re-checking them, and a job's task runs only from `queued`. A package that
knows of other work a crash can leave undone registers its own repair (`repair`);
this module knows no kind of job.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wizard.jobs.models import Job
from wizard.jobs.runner import run_job

logger = logging.getLogger(__name__)

LIVE_TASK = [TaskResultStatus.READY, TaskResultStatus.RUNNING]

_REPAIRS = []


def repair(function):
    """Decorator: have each recovery run call `function(stuck_before)` too; it returns a
    list of sentences saying what it repaired. For work the jobs' own records cannot
    show as missing (a job that was never queued)."""
    _REPAIRS.append(function)
    return function


def recover_stuck_work():
    """Returns a list of sentences describing what was repaired."""
    stuck_before = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)
    return [
        *_requeue_interrupted(stuck_before),
        *_requeue_lost_tasks(stuck_before),
        *(line for function in _REPAIRS for line in function(stuck_before)),
    ]


def _requeue_interrupted(stuck_before):
    """An effect left `sending`: the worker died mid-attempt. Run again (at most one duplicate)."""
    return _requeue(
        Q(state=Job.State.SENDING, started_at__lt=stuck_before),
        note="The worker stopped during the attempt; trying again.",
        report="re-queued after an interrupted attempt",
    )


def _requeue_lost_tasks(stuck_before):
    """A queued effect whose task should have run long ago and is neither waiting nor
    running: its task row was lost or failed. One whose task still waits behind a backlog
    is left alone: another task would only make the backlog longer."""
    return _requeue(
        Q(state=Job.State.QUEUED, next_attempt_at__lt=stuck_before),
        note=None,
        report="had no task; re-queued",
        unless=_has_live_task,
    )


def _has_live_task(effect_id):
    """Whether a task row of this effect is waiting for a worker or being run."""
    return DBTaskResult.objects.filter(
        task_path=run_job.module_path, status__in=LIVE_TASK, args_kwargs__args__0=effect_id
    ).exists()


def _requeue(stuck, *, note, report, unless=None):
    repaired = []
    for effect_id in Job.objects.filter(stuck).values_list("pk", flat=True):
        with transaction.atomic():
            # Re-check under the lock: another recovery, or the worker, may have moved it.
            effect = Job.objects.select_for_update().filter(stuck, pk=effect_id).first()
            if effect is None or (unless is not None and unless(effect_id)):
                continue
            effect.state = Job.State.QUEUED
            effect.last_error = note or effect.last_error
            effect.next_attempt_at = timezone.now()
            effect.save()
            run_job.enqueue(effect.pk)
        repaired.append(f"effect {effect_id} ({effect.key}) {report}")
        logger.warning("Recovery: effect %s %s", effect.key, report)
    return repaired

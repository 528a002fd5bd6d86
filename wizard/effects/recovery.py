"""Drive forward the side effects that a crash or an outage left half done.

Safe to run concurrently and repeatedly: it only re-queues rows under a lock
after re-checking them, and a queued email's task sends only from `queued`.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wizard.effects.models import EmailRecord
from wizard.effects.runner import queue_email, send_email
from wizard.postings.models import JobPosting, Status

logger = logging.getLogger(__name__)


class WorkerDied(Exception):
    """Recorded on task rows left RUNNING by a worker that was killed."""


def recover_stuck_work():
    """Returns a list of sentences describing what was repaired."""
    stuck_before = timezone.now() - timedelta(seconds=settings.STUCK_AFTER_SECONDS)
    return [
        *_mark_dead_tasks(stuck_before),
        *_requeue_interrupted_sends(stuck_before),
        *_requeue_lost_tasks(stuck_before),
        *_queue_missing_confirmations(stuck_before),
    ]


def _mark_dead_tasks(stuck_before):
    repaired = []
    dead = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stuck_before)
    for task_result in dead:
        with transaction.atomic():
            task_result = DBTaskResult.objects.select_for_update().get(pk=task_result.pk)
            if task_result.status != TaskResultStatus.RUNNING:
                continue
            task_result.set_failed(WorkerDied(f"still running since {task_result.started_at}"))
        repaired.append(
            f"task {task_result.pk} ({task_result.task_path}) marked failed: worker died"
        )
    return repaired


def _requeue_interrupted_sends(stuck_before):
    """A row left in `sending`: the worker died mid-send. Send again (at most one duplicate)."""
    return _requeue(
        Q(state=EmailRecord.State.SENDING, sending_started_at__lt=stuck_before),
        note="The worker stopped while sending; sending again.",
        report="re-queued after an interrupted send",
    )


def _requeue_lost_tasks(stuck_before):
    """A queued row whose task should have run long ago (its task row was lost or failed)."""
    return _requeue(
        Q(state=EmailRecord.State.QUEUED, next_attempt_at__lt=stuck_before),
        note=None,
        report="had no running task; re-queued",
    )


def _requeue(stuck, *, note, report):
    repaired = []
    for record_id in EmailRecord.objects.filter(stuck).values_list("pk", flat=True):
        with transaction.atomic():
            # Re-check under the lock: another recovery, or the worker, may have moved it.
            record = EmailRecord.objects.select_for_update().filter(stuck, pk=record_id).first()
            if record is None:
                continue
            record.state = EmailRecord.State.QUEUED
            record.last_error = note or record.last_error
            record.next_attempt_at = timezone.now()
            record.save()
            send_email.enqueue(record.pk)
        repaired.append(f"email {record_id} {report}")
    return repaired


def _queue_missing_confirmations(stuck_before):
    repaired = []
    unconfirmed = JobPosting.objects.filter(status=Status.PAID, paid_at__lt=stuck_before).exclude(
        emails__kind=EmailRecord.Kind.CONFIRMATION
    )
    for posting in unconfirmed:
        with transaction.atomic():
            posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
            if (
                posting.status != Status.PAID
                or posting.emails.filter(kind=EmailRecord.Kind.CONFIRMATION).exists()
            ):
                continue
            queue_email(posting, EmailRecord.Kind.CONFIRMATION)
        repaired.append(f"posting {posting.pk} was paid without a confirmation email; queued")
    return repaired

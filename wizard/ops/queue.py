"""The task queue's state, read from django-tasks-db's rows: what waits for a worker, for
how long, what runs, what waits for a later retry. Shared by /health/ and /metrics."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, F, Min, Q, When
from django.db.models.functions import Greatest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max


def _runnable(now):
    """READY rows a worker may take now: no run_after (stored as the largest date), or
    one that has passed. The same test as django-tasks-db's own `ready()`."""
    return Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))


def _runnable_since():
    """Since when a runnable row could have been taken: enqueued, or its run_after."""
    return Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest(F("enqueued_at"), F("run_after")),
    )


@dataclass
class QueueState:
    name: str
    waiting: int = 0  # runnable now, not taken by a worker yet
    delayed: int = 0  # READY with a run_after still ahead (a retry's backoff)
    running: int = 0
    oldest_waiting_since: datetime | None = None

    def oldest_age(self, now):
        """How long the oldest waiting task has waited (zero when none waits)."""
        if self.oldest_waiting_since is None:
            return timedelta(0)
        return max(now - self.oldest_waiting_since, timedelta(0))


def _state_query(now):
    runnable = _runnable(now)
    return (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name")
        .order_by()
        .annotate(
            waiting=Count("pk", filter=runnable),
            delayed=Count("pk", filter=Q(status=TaskResultStatus.READY) & ~runnable),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest=Min(_runnable_since(), filter=runnable),
        )
    )


def _state(row):
    return QueueState(
        name=row["queue_name"],
        waiting=row["waiting"],
        delayed=row["delayed"],
        running=row["running"],
        oldest_waiting_since=row["oldest"],
    )


def queue_states(now=None):
    """One QueueState per queue that has READY or RUNNING rows, by name."""
    now = now or timezone.now()
    return {row["queue_name"]: _state(row) for row in _state_query(now)}


async def aqueue_states(now=None):
    now = now or timezone.now()
    return {row["queue_name"]: _state(row) async for row in _state_query(now)}

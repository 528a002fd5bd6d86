"""/health/: django-health-check's view with the checks a deployment depends on.

- Database: SELECT 1 on the default database.
- Storage: save, read and delete a small file in the default storage (S3 in production).
- QueueAge: no task has waited for a worker longer than HEALTH_QUEUE_MAX_AGE_SECONDS
  (the workers are running and keeping up).
- SchedulerHeartbeat: the scheduler's heartbeat is younger than
  SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS (the scheduler is running).

Any failing check answers 500 (django-health-check's convention) with each check's result;
ask for `Accept: application/json` or `?format=json` for a machine-readable answer.
"""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from wizard.ops import heartbeat
from wizard.ops.queue import aqueue_states


def _seconds(delta):
    return f"{delta.total_seconds():.0f} s"


@dataclasses.dataclass
class QueueAge(HealthCheck):
    """The oldest task that a worker could run has not waited too long."""

    async def run(self):
        limit = timedelta(seconds=settings.HEALTH_QUEUE_MAX_AGE_SECONDS)
        now = timezone.now()
        for queue in (await aqueue_states(now)).values():
            age = queue.oldest_age(now)
            if age > limit:
                raise ServiceUnavailable(
                    f"a task in queue {queue.name!r} has waited {_seconds(age)} for a worker "
                    f"(limit {_seconds(limit)}); {queue.waiting} waiting, {queue.running} "
                    "running: are the workers (manage.py db_worker) up and keeping up?"
                )


@dataclasses.dataclass
class SchedulerHeartbeat(HealthCheck):
    """The scheduler (manage.py crontask) has written its heartbeat recently."""

    async def run(self):
        limit = timedelta(seconds=settings.SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS)
        last = await heartbeat.alast_beat(heartbeat.SCHEDULER)
        if last is None:
            raise ServiceUnavailable("the scheduler (manage.py crontask) has never beaten")
        age = timezone.now() - last.beat_at
        if age > limit:
            raise ServiceUnavailable(
                f"the scheduler's last heartbeat is {_seconds(age)} old (limit "
                f"{_seconds(limit)}, from {last.host} pid {last.pid}): is manage.py crontask "
                "running?"
            )


CHECKS = [
    "health_check.checks.Database",
    "health_check.checks.Storage",
    QueueAge,
    SchedulerHeartbeat,
]

health = HealthCheckView.as_view(checks=CHECKS)

"""The scheduler's heartbeat: it writes one every MAINTENANCE_INTERVAL_SECONDS (a job of
its own, run in its own process; see wizard.tasks), and /health/ and /metrics read its age.

It lives in the database because that is what every machine shares; the cache is local
to each process."""

import os
import socket

from django.db import close_old_connections
from django.utils import timezone

from wizard.ops.models import Heartbeat

SCHEDULER = "scheduler"


def beat(name=SCHEDULER):
    """Record that `name` is alive now, on this host and process."""
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={
            "beat_at": timezone.now(),
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def scheduled_beat():
    """The scheduler's job: like a request, with no stale database connection."""
    close_old_connections()
    try:
        beat(SCHEDULER)
    finally:
        close_old_connections()


def last_beat(name=SCHEDULER):
    """The latest Heartbeat of `name`, or None if it never beat."""
    return Heartbeat.objects.filter(name=name).first()


async def alast_beat(name=SCHEDULER):
    return await Heartbeat.objects.filter(name=name).afirst()

"""/health/: django-health-check's view with the checks a deployment depends on.

- Database: SELECT 1 on the default database.
- Storage: save, read and delete a small file in the default storage (S3 in production).
- QueueAge: no task has waited for a worker longer than HEALTH_QUEUE_MAX_AGE_SECONDS
  (the workers are running and keeping up).
- SchedulerHeartbeat: the scheduler's heartbeat is younger than
  SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS (the scheduler is running).
- Cache: the cache keeps and returns a value within its timeouts. One that does not is a
  warning (django-health-check's ServiceWarning), not a failure: the board renders from the
  database without it, slower.

Any failing check answers 500 (django-health-check's convention); a warning alone answers
200. Each check's result
(which names hosts, process ids, ages and queue sizes) is shown only to the monitoring
that sends METRICS_TOKEN (as /metrics wants it) and to signed-in staff; anyone else gets
the status alone: `ok`, `degraded` (a warning) or `failing` (JSON `{"status": …}` when
asked for JSON), with the same status code. Ask for `Accept: application/json` or
`?format=json` for a machine-readable answer.
"""

import asyncio
import dataclasses
import uuid
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse
from django.http.request import HttpHeaders
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView, MediaType

from wizard.ops import heartbeat
from wizard.ops.metrics import authorized_by_token
from wizard.ops.queue import aqueue_states
from wizard.ops.redis_cache import CacheSkipped


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


@dataclasses.dataclass
class Cache(HealthCheck):
    """The cache (CACHE_URL) keeps a value and gives it back in time. If not, a warning:
    the board's pages are rendered from the database until it does."""

    def run(self):
        key = f"health:{uuid.uuid4().hex}"
        cache = caches["default"]
        try:
            cache.set(key, "ok", timeout=10)
            kept = cache.get(key)
            cache.delete(key)
        except CacheSkipped as error:
            raise self.degraded(f"it failed moments ago and is skipped for now ({error})") from None
        except redis.TimeoutError:
            raise self.degraded(
                f"no answer within {settings.CACHE_TIMEOUT_SECONDS:g} s (CACHE_TIMEOUT_SECONDS)"
            ) from None
        except Exception as error:
            raise self.degraded(f"cannot be reached ({type(error).__name__}: {error})") from None
        if kept != "ok":
            raise self.degraded("it did not give back the value just written")

    @staticmethod
    def degraded(why):
        return ServiceWarning(f"degraded, pages are rendered from the database: {why}")


CHECKS = [
    "health_check.checks.Database",
    "health_check.checks.Storage",
    QueueAge,
    SchedulerHeartbeat,
    Cache,
]


def failing(results):
    """Whether any check failed; a warning is no failure."""
    return any(result.error and not isinstance(result.error, ServiceWarning) for result in results)


async def may_see_details(request):
    """The monitoring (METRICS_TOKEN) and signed-in staff see each check's result."""
    token = settings.METRICS_TOKEN
    if token and authorized_by_token(request, token):
        return True
    user = await request.auser()
    return user.is_active and user.is_staff


def readable_accept(request):
    """django-health-check parses Accept strictly and raises on a value it cannot read
    (`Accept: 0`), a 500: such a request is answered as if it accepted anything."""
    try:
        list(MediaType.parse_header(request.headers.get("Accept", "*/*")))
    except ValueError:
        request.META["HTTP_ACCEPT"] = "*/*"
        request.headers = HttpHeaders(request.META)  # read from META once, and kept


class Health(HealthCheckView):
    async def get(self, request, *args, **kwargs):
        if await may_see_details(request):
            readable_accept(request)
            response = await super().get(request, *args, **kwargs)
            if response.status_code == 500 and not failing(self.results):
                response.status_code = 200  # django-health-check fails on warnings too
            return response
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        if failing(results):
            status, code = "failing", 500
        else:
            status, code = ("degraded" if any(result.error for result in results) else "ok"), 200
        wants_json = request.GET.get("format") == "json" or "json" in request.headers.get(
            "Accept", ""
        )
        if wants_json:
            return JsonResponse({"status": status}, status=code)
        return HttpResponse(f"{status}\n", content_type="text/plain; charset=utf-8", status=code)


health = Health.as_view(checks=CHECKS)

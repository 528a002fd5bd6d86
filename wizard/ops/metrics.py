"""/metrics: what a team alerts on, in Prometheus's text format, read from the database at
each scrape (every web process answers the same, since the state is shared).

The endpoint exists only when METRICS_TOKEN is set (404 otherwise), and answers only a
scraper that sends the token: `Authorization: Bearer <token>`, or basic auth with the
token as the password (any user name).

| metric | labels | alert when |
|---|---|---|
| jobwizard_task_queue_waiting | queue | grows and stays up |
| jobwizard_task_queue_oldest_age_seconds | queue | > a few minutes: workers down or behind |
| jobwizard_task_queue_delayed / _running | queue | (context: retries waiting, work under way) |
| jobwizard_tasks_failed_last_hour | task | > 0 for a periodic job, repeatedly |
| jobwizard_effects_failed | kind | > 0 (staff must act: the admin's "needs attention") |
| jobwizard_effects_in_flight | kind | (context) |
| jobwizard_webhook_lag_seconds | | > a few minutes: Stripe events wait |
| jobwizard_webhook_events_pending / _failed | | failed > 0 |
| jobwizard_refunds_pending | | (context) |
| jobwizard_refund_oldest_pending_age_seconds | | > a few days: a refund is stuck at Stripe |
| jobwizard_refunds_failed | | > 0 |
| jobwizard_scheduler_heartbeat_age_seconds | | > 3 intervals (+Inf: never beaten) |
| jobwizard_postings | status | (context: the review queue is status="in_review") |
| jobwizard_sms_sent_last_hour | | > half of jobwizard_sms_limit_per_hour (docs/deploying.md) |
| jobwizard_sms_limit_per_hour | | (context: PHONE_SMS_PER_HOUR, the site-wide cap) |
| jobwizard_money_differences | kind | >= MONEY_DIFFERENCE_ALERT_THRESHOLD (staff are told) |
"""

import base64
import binascii
import hmac
import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from wizard import limits
from wizard.jobs.kinds import kind_names
from wizard.jobs.models import Job
from wizard.ops import heartbeat
from wizard.ops.models import MoneyDifferenceCount
from wizard.ops.queue import QueueState, queue_states
from wizard.payments.models import Refund
from wizard.payments.reconcile import Kind as MoneyDifferenceKind
from wizard.payments.webhook_events import StripeEvent
from wizard.postings.models import JobPosting, Status


def _gauge(name, documentation, labels=()):
    return GaugeMetricFamily(f"jobwizard_{name}", documentation, labels=list(labels))


def _age(since, now):
    return 0.0 if since is None else max((now - since).total_seconds(), 0.0)


class JobwizardCollector:
    """Queries the database on each collect(); a few small aggregate queries."""

    def collect(self):
        now = timezone.now()
        yield from self.task_queue(now)
        yield from self.effects()
        yield from self.webhooks(now)
        yield from self.refunds(now)
        yield from self.scheduler(now)
        yield from self.postings()
        yield from self.sms(now)
        yield from self.money_differences()

    def task_queue(self, now):
        states = queue_states(now)
        for name in settings.TASKS["default"].get("QUEUES") or ["default"]:
            states.setdefault(name, QueueState(name))
        waiting = _gauge(
            "task_queue_waiting", "Tasks a worker could run now, not taken yet.", ["queue"]
        )
        oldest = _gauge(
            "task_queue_oldest_age_seconds",
            "How long the oldest task a worker could run has waited (0 when none waits).",
            ["queue"],
        )
        delayed = _gauge(
            "task_queue_delayed", "Tasks waiting for a later time (a retry's backoff).", ["queue"]
        )
        running = _gauge("task_queue_running", "Tasks a worker is running.", ["queue"])
        for name, state in sorted(states.items()):
            waiting.add_metric([name], state.waiting)
            oldest.add_metric([name], state.oldest_age(now).total_seconds())
            delayed.add_metric([name], state.delayed)
            running.add_metric([name], state.running)
        failed = _gauge(
            "tasks_failed_last_hour", "Task runs that failed in the last hour.", ["task"]
        )
        recent_failures = (
            DBTaskResult.objects.filter(
                status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(hours=1)
            )
            .values("task_path")
            .order_by()
            .annotate(count=Count("pk"))
        )
        for row in recent_failures:
            failed.add_metric([row["task_path"]], row["count"])
        yield from (waiting, oldest, delayed, running, failed)

    def effects(self):
        counts = {kind: {"failed": 0, "in_flight": 0} for kind in kind_names()}
        rows = (
            Job.objects.values("kind")
            .order_by()
            .annotate(
                failed=Count("pk", filter=Q(state__in=Job.NEEDS_ATTENTION)),
                in_flight=Count("pk", filter=Q(state__in=Job.IN_FLIGHT)),
            )
        )
        for row in rows:
            counts[row["kind"]] = {"failed": row["failed"], "in_flight": row["in_flight"]}
        failed = _gauge(
            "effects_failed",
            "Side effects that failed or bounced: staff must act (admin, needs attention).",
            ["kind"],
        )
        in_flight = _gauge("effects_in_flight", "Side effects queued or being attempted.", ["kind"])
        for kind, count in sorted(counts.items()):
            failed.add_metric([kind], count["failed"])
            in_flight.add_metric([kind], count["in_flight"])
        yield from (failed, in_flight)

    def webhooks(self, now):
        """From each event's job (wizard.payments.stripe_events)."""
        row = StripeEvent.objects.aggregate(
            pending=Count("pk", filter=Q(pk__in=StripeEvent.objects.pending().values("pk"))),
            failed=Count("pk", filter=Q(pk__in=StripeEvent.objects.failed().values("pk"))),
            oldest=Min("received_at", filter=Q(pk__in=StripeEvent.objects.pending().values("pk"))),
        )
        lag = _gauge(
            "webhook_lag_seconds",
            "Age of the oldest stored Stripe event not processed yet (0 when none).",
        )
        lag.add_metric([], _age(row["oldest"], now))
        waiting = _gauge("webhook_events_pending", "Stored Stripe events not processed yet.")
        waiting.add_metric([], row["pending"])
        failed = _gauge(
            "webhook_events_failed", "Stripe events given up on: staff must look at them."
        )
        failed.add_metric([], row["failed"])
        yield from (lag, waiting, failed)

    def refunds(self, now):
        pending = Q(state=Refund.State.PENDING)
        row = Refund.objects.aggregate(
            pending=Count("pk", filter=pending),
            failed=Count("pk", filter=Q(state=Refund.State.FAILED)),
            oldest=Min("created_at", filter=pending),
        )
        count = _gauge("refunds_pending", "Refunds recorded but not made yet.")
        count.add_metric([], row["pending"])
        oldest = _gauge(
            "refund_oldest_pending_age_seconds",
            "Age of the oldest pending refund (0 when none).",
        )
        oldest.add_metric([], _age(row["oldest"], now))
        failed = _gauge("refunds_failed", "Refunds that failed: staff must act.")
        failed.add_metric([], row["failed"])
        yield from (count, oldest, failed)

    def scheduler(self, now):
        last = heartbeat.last_beat(heartbeat.SCHEDULER)
        age = _gauge(
            "scheduler_heartbeat_age_seconds",
            "Age of the scheduler's last heartbeat (+Inf if it never beat).",
        )
        age.add_metric([], math.inf if last is None else _age(last.beat_at, now))
        yield age

    def postings(self):
        counts = dict.fromkeys(Status.values, 0)
        for row in JobPosting.objects.values("status").order_by().annotate(count=Count("pk")):
            counts[row["status"]] = row["count"]
        postings = _gauge("postings", "Postings by status.", ["status"])
        for status, count in counts.items():
            postings.add_metric([status], count)
        yield postings

    def sms(self, now):
        # The site-wide cap's own count: every SMS asked of Twilio Verify in the last hour.
        sent = _gauge(
            "sms_sent_last_hour",
            "SMS codes the phone step asked Twilio Verify to send in the last hour.",
        )
        sent.add_metric([], limits.SMS_SITE_WIDE.uses(limits.SITE, now=now))
        yield sent
        cap = _gauge("sms_limit_per_hour", "The site-wide cap on SMS an hour (PHONE_SMS_PER_HOUR).")
        cap.add_metric([], limits.SMS_SITE_WIDE.limit)
        yield cap

    def money_differences(self):
        counts = dict.fromkeys(map(str, MoneyDifferenceKind), 0)
        counts.update(MoneyDifferenceCount.objects.values_list("kind", "count"))
        found = _gauge(
            "money_differences",
            "Differences between Stripe and the database the last reconciliation found.",
            ["kind"],
        )
        for kind, count in sorted(counts.items()):
            found.add_metric([kind], count)
        yield found


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(JobwizardCollector())


def authorized_by_token(request, token):
    """The request carries METRICS_TOKEN (Bearer, or basic auth's password)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "basic":
        try:
            credentials = base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credentials.encode(), token.encode())


@never_cache
@require_GET
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off: set METRICS_TOKEN.")
    if not authorized_by_token(request, token):
        response = HttpResponse("A valid METRICS_TOKEN is needed.\n", status=401)
        response["WWW-Authenticate"] = 'Basic realm="metrics"'
        return response
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

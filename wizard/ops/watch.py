"""What staff are told of without anyone asking (wizard.jobs.staff_alert raises each):

- a job that fails for good, of any kind (its provider refused, every attempt failed, a
  bounce), but a staff notice's own: a channel that cannot tell of itself;
- a failing provider: PROVIDER_FAILURE_ALERT_COUNT failed attempts (retries count) of
  one provider within PROVIDER_FAILURE_ALERT_MINUTES, once per such window;
- a paid posting not in review after PAID_NOT_IN_REVIEW_ALERT_MINUTES (review never waits
  for anything today: this guards that it stays so);
- money differences between Stripe and the database, from the reconciler's run: counted
  by kind for /metrics, each told once when its kind has MONEY_DIFFERENCE_ALERT_THRESHOLD
  or more (a refund pending is counted, not told: its job tells if it fails).
"""

import sys
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from wizard import limits
from wizard.jobs import budget, runner, staff_alert
from wizard.jobs.kinds import Budget
from wizard.ops.models import MoneyDifferenceCount
from wizard.payments import reconcile
from wizard.postings.models import JobPosting, Status


@receiver(runner.failed_for_good)
def job_failed(sender, job, kind, error, **kwargs):
    if kind.name in staff_alert.CHANNEL_KINDS:
        return
    bounced = job.state == job.State.BOUNCED
    what = "bounced" if bounced else f"failed for good after {job.attempts} attempt(s)"
    lines = [f"{kind.describe(job)} {what}.", f"The error: {error}"]
    lines.append(f"The job: {staff_alert.job_admin_url(job)}")
    if job.posting_id:
        lines.append(f"The posting: {staff_alert.admin_url(job.posting)}")
    staff_alert.alert(
        job.posting,
        f"job:{job.pk}:{'bounced' if bounced else 'failed'}:{job.attempts}",
        f"{kind.label} failed: {job.name}",
        "\n".join(lines),
    )


@receiver(runner.attempt_failed)
def provider_failing(sender, job, kind, error, **kwargs):
    """Count the failed attempt against its provider; tell staff when there are many."""
    if kind.name in staff_alert.CHANNEL_KINDS:
        return
    provider = kind.provider or kind.name
    span = timedelta(minutes=settings.PROVIDER_FAILURE_ALERT_MINUTES)
    now = timezone.now()
    # wizard.limits' sliding-window count, as a counter that never refuses.
    limits.take("provider_failures", provider, sys.maxsize, span, now=now)
    count = limits.uses("provider_failures", provider, span, now=now)
    if count < settings.PROVIDER_FAILURE_ALERT_COUNT:
        return
    start, _ = budget.window(Budget(calls=1, per=span), now)
    minutes = settings.PROVIDER_FAILURE_ALERT_MINUTES
    staff_alert.alert(
        None,
        f"provider:{provider}:failing:{start:%Y-%m-%dT%H:%M}",
        f"{provider} is failing: {count} failed attempts in {minutes} min",
        f"{count} attempts of jobs that use {provider} failed in the last {minutes} minutes.\n"
        f"The last: {kind.describe(job)}: {error}\n"
        f"The job: {staff_alert.job_admin_url(job)}",
    )


def paid_postings_not_in_review(now=None):
    """Tell staff of each posting paid PAID_NOT_IN_REVIEW_ALERT_MINUTES ago or more and not
    in review yet (once per posting). Returns their ids."""
    late = (now or timezone.now()) - timedelta(minutes=settings.PAID_NOT_IN_REVIEW_ALERT_MINUTES)
    stuck = JobPosting.objects.filter(status__in=[Status.PAID, Status.CONFIRMED], paid_at__lt=late)
    told = []
    for posting in stuck:
        with transaction.atomic():
            staff_alert.alert(
                posting,
                "paid_not_in_review",
                f"Paid, not in review: {posting.title or posting.pk}",
                f"The posting was paid at {posting.paid_at:%Y-%m-%d %H:%M} UTC and is still "
                f"{posting.status}: it is not in the review queue.\n"
                f"The posting: {staff_alert.admin_url(posting)}",
            )
        told.append(posting.pk)
    return told


def money_differences(differences, *, complete=True):
    """Record the reconciler's differences by kind (every kind when its run was complete,
    else only the kinds it found) and tell staff of those at or over the threshold."""
    now = timezone.now()
    counts = Counter(difference.kind for difference in differences)
    for kind in reconcile.Kind if complete else counts:
        MoneyDifferenceCount.objects.update_or_create(
            kind=kind, defaults={"count": counts[kind], "checked_at": now}
        )
    for difference in differences:
        if (
            difference.kind == reconcile.Kind.REFUND_PENDING
            or counts[difference.kind] < settings.MONEY_DIFFERENCE_ALERT_THRESHOLD
        ):
            continue
        posting = JobPosting.objects.filter(pk=difference.posting_id or None).first()
        with transaction.atomic():
            staff_alert.alert(
                posting,
                f"money:{difference.kind}:{difference.session_id}",
                f"Money difference: {difference.what}",
                f"The reconciler found: {difference}\n"
                f"({counts[difference.kind]} of this kind in its last run.)",
            )

"""A kind's budget (wizard.jobs.kinds.Budget): how many attempts it may make per window.

Each attempt is counted when it is claimed, under the lock of its window's BudgetUse row,
so concurrent workers never overspend. Over budget, or when older jobs of the kind are
due and would take what is left, a job waits for the next window: the oldest go first.
"""

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from wizard.jobs.models import BudgetUse, Job

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window(budget, now):
    """The (start, end) of the window `now` falls in: windows of `budget.per` one after
    another from midnight UTC, 1 January 1970 (a day's budget: each UTC day)."""
    start = EPOCH + ((now - EPOCH) // budget.per) * budget.per
    return start, start + budget.per


def spend(job, budget, now):
    """Count one attempt of `job` against its kind's budget. Returns None when it may run
    now (the attempt is counted), or when it must wait: the start of the next window.
    Call inside the transaction that claims the job."""
    start, end = window(budget, now)
    use = _locked_use(job.kind, start)
    older_due = Job.objects.filter(
        Q(queued_at__lt=job.queued_at) | Q(queued_at=job.queued_at, pk__lt=job.pk),
        kind=job.kind,
        state=Job.State.QUEUED,
        next_attempt_at__lte=now,
    )
    left = budget.calls - use.used
    if left <= 0 or older_due[:left].count() >= left:
        return end
    use.used += 1
    use.save(update_fields=["used"])
    return None


def _locked_use(kind, start):
    found = BudgetUse.objects.select_for_update().filter(kind=kind, window_start=start).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # a savepoint: another worker may create it first
            return BudgetUse.objects.create(kind=kind, window_start=start)
    except IntegrityError:
        return BudgetUse.objects.select_for_update().get(kind=kind, window_start=start)

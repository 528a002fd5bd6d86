"""The dashboard's counts: one aggregate query each, whatever the number of rows.

Every function returns plain data (dataclasses of numbers and dates); what the numbers
link to and how they are drawn is the admin's (wizard.admin.dashboard).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Case, Count, F, Min, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce, TruncWeek
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from wizard.dashboard import funnel as funnel_rules
from wizard.jobs import kinds
from wizard.jobs.models import Job
from wizard.payments.models import PaymentAttempt, Refund, RefundMade
from wizard.postings.models import JobPosting, Status, TransitionLog
from wizard.postings.money import money


def week_start(moment):
    """Monday 00:00, in the current time zone, of the week `moment` falls in."""
    day = timezone.localtime(moment).date()
    return timezone.make_aware(datetime.combine(day - timedelta(days=day.weekday()), time.min))


@dataclass(frozen=True)
class Window:
    """The last `weeks` weeks, the current one included: [start, end)."""

    weeks: int
    now: datetime

    @property
    def start(self):
        return week_start(self.now) - timedelta(weeks=self.weeks - 1)

    @property
    def end(self):
        return week_start(self.now) + timedelta(weeks=1)

    def week_starts(self):
        return [self.start + timedelta(weeks=index) for index in range(self.weeks)]


# --- The funnel -------------------------------------------------------------------------


@dataclass
class Week:
    start: datetime
    reached: dict  # stage key -> postings created that week that reached it

    @property
    def end(self):
        return self.start + timedelta(weeks=1)


@dataclass
class Funnel:
    stages: list
    weeks: list

    def total(self, key):
        return sum(week.reached[key] for week in self.weeks)


def funnel(window):
    """For postings created in each week of the window, how many reached each stage."""
    stages = funnel_rules.stages()
    counts = {
        f"reached_{index}": Count("pk") if stage.everyone else Count("pk", filter=stage.reached())
        for index, stage in enumerate(stages)
    }
    # A switched-off step is shown only if some posting completed it.
    counts.update(
        {
            f"itself_{index}": Count("pk", filter=stage.reached())
            for index, stage in enumerate(stages)
            if stage.switched_off
        }
    )
    rows = (
        JobPosting.objects.filter(created_at__gte=window.start, created_at__lt=window.end)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(**counts)
        .order_by("week")
    )
    by_week = {timezone.localtime(row["week"]).date(): row for row in rows}
    shown = [
        (index, stage)
        for index, stage in enumerate(stages)
        if not stage.switched_off or any(row[f"itself_{index}"] for row in by_week.values())
    ]
    weeks = []
    for start in window.week_starts():
        row = by_week.get(start.date(), {})
        weeks.append(
            Week(start, {stage.key: row.get(f"reached_{index}", 0) for index, stage in shown})
        )
    return Funnel([stage for _, stage in shown], weeks)


# --- Giving up --------------------------------------------------------------------------


@dataclass
class GiveUp:
    point: object  # a funnel.StoppingPoint, or None when the log does not say
    abandoned: int
    idle: int

    @property
    def total(self):
        return self.abandoned + self.idle


def give_ups(window):
    """Drafts created in the window that were given up, by where they stopped."""
    abandoned = Q(status=Status.ABANDONED)
    rows = (
        JobPosting.objects.filter(created_at__gte=window.start, created_at__lt=window.end)
        .filter(funnel_rules.gave_up(window.now))
        .annotate(stopped_at=funnel_rules.stopped_at())
        .values("stopped_at")
        .annotate(abandoned=Count("pk", filter=abandoned), idle=Count("pk", filter=~abandoned))
        .order_by()
    )
    counts = {row["stopped_at"]: row for row in rows}
    found = []
    for point in funnel_rules.stopping_points():
        row = counts.pop(point.status, None)
        if row is not None or point.usual:
            found.append(GiveUp(point, row["abandoned"] if row else 0, row["idle"] if row else 0))
    # A status no step declares any more, or an abandoned draft without a log.
    for status, row in counts.items():
        point = (
            funnel_rules.StoppingPoint(status, status or "Unknown", "Unknown", usual=False)
            if status
            else None
        )
        found.append(GiveUp(point, row["abandoned"], row["idle"]))
    return found


# --- Side effects -----------------------------------------------------------------------


@dataclass
class EffectTrouble:
    kind: str
    label: str
    provider: str
    failed: int  # failed for good: every one that still is, however old
    bounced: int  # accepted, then reported undeliverable: likewise
    retrying: int  # an attempt failed and another is due or under way
    recovered: int  # done after more than one attempt, within the window
    queued: int  # queued (or queued again) within the window

    @property
    def troubled(self):
        return self.failed + self.bounced + self.retrying + self.recovered


DONE = [Job.State.SENT, Job.State.DELIVERED]


def retrying():
    """A condition on an effect row: an attempt failed, and another is due or under way."""
    return Q(state__in=Job.IN_FLIGHT) & ~Q(last_error="")


def recovered(since):
    return Q(state__in=DONE, attempts__gt=1, sent_at__gte=since)


def effect_trouble(window):
    """Failures and retries of side effects, by kind (each kind has one provider)."""
    rows = (
        Job.objects.values("kind")
        .annotate(
            failed=Count("pk", filter=Q(state=Job.State.FAILED)),
            bounced=Count("pk", filter=Q(state=Job.State.BOUNCED)),
            retrying=Count("pk", filter=retrying()),
            recovered=Count("pk", filter=recovered(window.start)),
            queued=Count("pk", filter=Q(queued_at__gte=window.start)),
        )
        .order_by("kind")
    )
    counts = {row["kind"]: row for row in rows}
    found = []
    known = {kind.name: kind for kind in kinds.registered()}
    for name in [*known, *(name for name in counts if name not in known)]:
        kind = known.get(name)
        row = counts.get(name, {})
        found.append(
            EffectTrouble(
                kind=name,
                label=kind.label if kind else name,
                provider=kind.provider if kind else "",
                **{
                    key: row.get(key, 0)
                    for key in ("failed", "bounced", "retrying", "recovered", "queued")
                },
            )
        )
    return found


# --- The task queue ---------------------------------------------------------------------


@dataclass
class TaskQueue:
    task_path: str
    due: int  # ready to run now
    later: int  # waiting for its run_after (a retry's backoff)
    running: int
    waiting_since: datetime | None  # when the longest-waiting due one became due

    @property
    def name(self):
        return self.task_path.rpartition(".")[2]


def due(now):
    """A condition on a task row: ready, and due (no run_after, or one that has passed)."""
    return Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))


def task_queue(now):
    """Task rows not finished, by task: due now, due later, running, the oldest due."""
    is_due = due(now)
    became_due = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    rows = (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("task_path")
        .annotate(
            due=Count("pk", filter=is_due),
            later=Count("pk", filter=Q(status=TaskResultStatus.READY) & ~is_due),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            waiting_since=Min(became_due, filter=is_due),
        )
        .order_by("task_path")
    )
    return [TaskQueue(**row) for row in rows]


# --- Refunds ----------------------------------------------------------------------------


@dataclass
class RefundState:
    state: str
    label: str
    count: int = 0
    oldest: datetime | None = None
    amounts: dict = field(default_factory=dict)  # currency -> minor units


def payments_processing():
    """Postings whose delayed payment (SEPA Debit, ACH…) is on its way now, however old."""
    return JobPosting.objects.filter(status=Status.PAYMENT_PROCESSING).count()


def refunds(window):
    """Refunds pending and failed (however old), and those that succeeded in the window."""
    rows = (
        Refund.objects.filter(
            Q(state__in=[Refund.State.PENDING, Refund.State.FAILED])
            | Q(state=Refund.State.SUCCEEDED, created_at__gte=window.start)
        )
        .values("state", "currency")
        .annotate(count=Count("pk"), amount=Sum("amount"), oldest=Min("created_at"))
        .order_by("state", "currency")
    )
    states = {value: RefundState(value, label) for value, label in Refund.State.choices}
    for row in rows:
        found = states[row["state"]]
        found.count += row["count"]
        found.amounts[row["currency"]] = row["amount"]
        if found.oldest is None or row["oldest"] < found.oldest:
            found.oldest = row["oldest"]
    return list(states.values())


def amounts_display(amounts):
    """{"usd": 1999, "eur": 500} -> "USD 19.99, EUR 5.00"."""
    return ", ".join(money(amount, currency) for currency, amount in sorted(amounts.items()))


# --- What needs doing now ----------------------------------------------------------------


def entered_review():
    """When a posting last entered the review queue: its log says; a row an older release
    wrote without one, its payment's time."""
    entered = TransitionLog.objects.filter(posting=OuterRef("pk"), target=Status.IN_REVIEW)
    return Coalesce(Subquery(entered.order_by("-at").values("at")[:1]), F("paid_at"))


@dataclass
class Awaiting:
    count: int
    oldest: datetime | None  # when the longest-waiting one entered review


def awaiting_review():
    row = (
        JobPosting.objects.in_review()
        .annotate(entered=entered_review())
        .aggregate(count=Count("pk"), oldest=Min("entered"))
    )
    return Awaiting(row["count"], row["oldest"])


def needing_attention():
    """Postings that need staff for any reason (wizard.postings.attention)."""
    return JobPosting.objects.with_attention().filter(needs_attention=True).count()


# --- Revenue ----------------------------------------------------------------------------


@dataclass
class RevenueWeek:
    start: datetime
    paid: dict = field(default_factory=dict)  # currency -> minor units, as charged
    refunded: dict = field(default_factory=dict)
    discounts: dict = field(default_factory=dict)  # what promotion codes took off the prices
    tax: dict = field(default_factory=dict)  # the tax collected, included in paid

    @property
    def net(self):
        currencies = sorted({*self.paid, *self.refunded})
        return {c: self.paid.get(c, 0) - self.refunded.get(c, 0) for c in currencies}


def _by_week(queryset, moment, **sums):
    """(week start date, currency, total of `amount`, *the other `sums`), by the week
    `moment` falls in."""
    rows = (
        queryset.annotate(week=TruncWeek(moment))
        .values("week", "currency")
        .annotate(total=Sum("amount"), **{name: Sum(value) for name, value in sums.items()})
        .order_by()
    )
    return [
        (
            timezone.localtime(row["week"]).date(),
            row["currency"].lower(),
            row["total"],
            *(row[name] for name in sums),
        )
        for row in rows
    ]


def revenue(window):
    """What employers paid each week of the window (what was charged: the tax collected is
    included, and also summed on its own; a promotion code's discount is not revenue, and
    is summed apart), and what was refunded that week (our refunds and those made from
    Stripe's Dashboard), per currency: three queries."""
    start, end = window.start, window.end
    paid = PaymentAttempt.objects.filter(paid_at__gte=start, paid_at__lt=end)
    ours = Refund.objects.annotate(done_at=Coalesce("completed_at", "created_at")).filter(
        state=Refund.State.SUCCEEDED, done_at__gte=start, done_at__lt=end
    )
    theirs = RefundMade.objects.filter(
        by_us=False, status="succeeded", created_at__gte=start, created_at__lt=end
    )
    weeks = {week.date(): RevenueWeek(week) for week in window.week_starts()}
    for day, currency, total, tax, discount in _by_week(
        paid, "paid_at", tax="tax", discount="discount"
    ):
        weeks[day].paid[currency] = weeks[day].paid.get(currency, 0) + total
        if tax:
            weeks[day].tax[currency] = weeks[day].tax.get(currency, 0) + tax
        if discount:
            weeks[day].discounts[currency] = weeks[day].discounts.get(currency, 0) + discount
    for rows in (_by_week(ours, "done_at"), _by_week(theirs, "created_at")):
        for day, currency, total in rows:
            weeks[day].refunded[currency] = weeks[day].refunded.get(currency, 0) + total
    return list(weeks.values())

"""What the funnel counts: the stages a draft can reach, and where an employer gave up.

The stages come from the flow (wizard.flow.order.FLOW): created, each step before
payment, checkout opened, paid, published. A new step in the flow is a new stage here,
with no edit.

A posting *reached* a step's stage if the step recorded when it was first complete
(`step_data[name]["completed_at"]`, written by the flow and kept when a later edit
undoes the step): a step added later counts no posting that never saw it, however far
that posting got. After the steps the posting's life is explicit: it reached checkout,
payment or publication if a row of its transition log has as target that stage's status
or one beyond it, or if its status now is one of those (rejected and refunded postings
were paid, expired ones were published). A step that is switched off (the phone step
without its setting) is shown only when some posting completed it.

An employer *gave up* on a draft that the sweeper marked abandoned, or that has sat
untouched before payment for longer than IDLE_AFTER. Where they stopped is the status the
draft had when abandoned (the abandon transition's source) or has now.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Subquery, When

from wizard.flow.order import FLOW
from wizard.postings.models import (
    CLOSED_TO_THE_WIZARD,
    PAID_LIFE,
    JobPosting,
    Status,
    TransitionLog,
)

# A draft untouched for this long counts as given up, before the sweeper abandons it.
IDLE_AFTER = timedelta(days=1)

CREATED = "created"


@dataclass(frozen=True)
class Stage:
    """One column of the funnel: `key` is the status that marks it (or "created")."""

    key: str
    label: str
    # After the steps: a posting whose log or status shows any of these reached it.
    statuses: tuple = ()
    # A step's stage: the posting reached it if the step recorded its completion.
    step: str = ""
    # A step switched off by a setting: shown only when some posting reached it.
    switched_off: bool = False

    @property
    def everyone(self):
        """Every posting reached it (the "created" stage)."""
        return not (self.statuses or self.step)

    def reached(self):
        """A condition on a posting row: it reached this stage."""
        if self.step:
            return Q(**{f"step_data__{self.step}__has_key": "completed_at"})
        if not self.statuses:
            return Q()
        return Q(status__in=self.statuses) | Q(
            Exists(TransitionLog.objects.filter(posting=OuterRef("pk"), target__in=self.statuses))
        )


def steps_before_payment():
    """The flow's steps before payment, switched off or not."""
    return FLOW.steps[: FLOW.steps.index(FLOW.payment)]


def is_switched_off(step):
    return not step.is_applicable(JobPosting())


def stages():
    """Every stage, in order; switched-off steps are marked, not left out (see numbers)."""
    paid = tuple(PAID_LIFE)
    found = [Stage(CREATED, "Created")]
    for step in steps_before_payment():
        found.append(
            Stage(
                step.reached_status,
                step.ledger_label,
                step=step.name,
                switched_off=is_switched_off(step),
            )
        )
    found += [
        Stage(
            Status.AWAITING_PAYMENT,
            "Checkout opened",
            (Status.AWAITING_PAYMENT, Status.PAYMENT_PROCESSING, *paid),
        ),
        Stage(Status.PAID, "Paid", paid),
        Stage(Status.PUBLISHED, "Published", (Status.PUBLISHED, Status.EXPIRED)),
    ]
    return found


def stage_named(key):
    return next((stage for stage in stages() if stage.key == key), None)


# --- Giving up ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoppingPoint:
    """Where a draft stopped: its status then, the step it stopped at, the last one done."""

    status: str
    label: str
    last_done: str
    # Shown even when no draft stopped there: a status the flow can leave a draft in.
    usual: bool = True


def stopping_points():
    """Every status a draft can be left in, in the flow's order."""
    steps = steps_before_payment()
    live = [step for step in steps if not is_switched_off(step)]
    payment = FLOW.payment.title
    points = [StoppingPoint(Status.DRAFT, steps[0].title if steps else payment, "Nothing yet")]
    for index, step in enumerate(steps):
        following = next((s for s in steps[index + 1 :] if not is_switched_off(s)), None)
        # The flow skips the last live step's status (all done is "ready to pay"), and a
        # switched-off step's status is never given: both show only when found.
        usual = step in live and step is not live[-1]
        points.append(
            StoppingPoint(
                step.reached_status,
                following.title if following else payment,
                step.ledger_label,
                usual=usual,
            )
        )
    points += [
        StoppingPoint(Status.READY_TO_PAY, f"{payment}, before checkout", "Every step before it"),
        StoppingPoint(Status.AWAITING_PAYMENT, f"{payment}, at checkout", "Checkout opened"),
    ]
    return points


def _idle(now):
    return ~Q(status__in=CLOSED_TO_THE_WIZARD) & Q(updated_at__lt=now - IDLE_AFTER)


def gave_up(now):
    """A condition on a posting row: the employer gave up on it."""
    return Q(status=Status.ABANDONED) | _idle(now)


def _abandoned_from():
    return TransitionLog.objects.filter(posting=OuterRef("pk"), target=Status.ABANDONED)


def stopped_at():
    """An expression over a posting row: its status when abandoned, else its status now."""
    source = _abandoned_from().order_by("-at", "-id").values("source")[:1]
    return Case(
        When(status=Status.ABANDONED, then=Subquery(source)),
        default=F("status"),
        output_field=CharField(),
    )


def gave_up_at(status, now):
    """A condition on a posting row: the employer gave up on it at `status`."""
    return (Q(status=Status.ABANDONED) & Q(Exists(_abandoned_from().filter(source=status)))) | (
        _idle(now) & Q(status=status)
    )

"""What the funnel counts: the stages a draft can reach, and where an employer gave up.

The stages come from the flow (wizard.flow.order.FLOW): created, each step before
payment that declares a `reached_status`, checkout opened, paid, published. A new step
in the flow is a new stage here, with no edit.

A posting *reached* a stage if a row of its transition log has as target the stage's
status or one beyond it, or if its status now is one of those. The log remembers a step
that a later edit undid; the status covers a posting that has no log (made directly in
the database). "Beyond" follows the posting's life: the statuses before payment in the
flow's order (draft, each step's status, ready to pay, awaiting payment), then every
status of the paid life (wizard.postings.models.PAID_LIFE); rejected and refunded
postings were paid, expired ones were published. Abandoned says nothing about how far a
posting got; its log does. A step that is switched off (the phone step without its
setting) is counted only when some posting actually reached it.

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
    # A posting whose log or status shows any of these reached the stage; () for all.
    statuses: tuple = ()
    # A step switched off by a setting: shown only when some posting reached it.
    switched_off: bool = False

    def reached(self):
        """A condition on a posting row: it reached this stage."""
        if not self.statuses:
            return Q()
        return Q(status__in=self.statuses) | Q(
            Exists(TransitionLog.objects.filter(posting=OuterRef("pk"), target__in=self.statuses))
        )

    def reached_itself(self):
        """It reached this stage's own status (not only one beyond it)."""
        return Q(status=self.key) | Q(
            Exists(TransitionLog.objects.filter(posting=OuterRef("pk"), target=self.key))
        )


def steps_before_payment():
    """The flow's steps before payment that give a posting a status of their own."""
    steps = FLOW.steps[: FLOW.steps.index(FLOW.payment)]
    return [step for step in steps if step.reached_status]


def is_switched_off(step):
    return not step.is_applicable(JobPosting())


def before_payment_line():
    """Every status before payment, in the order a draft goes through them."""
    return [
        Status.DRAFT,
        *(step.reached_status for step in steps_before_payment()),
        Status.READY_TO_PAY,
        Status.AWAITING_PAYMENT,
    ]


def stages():
    """Every stage, in order; switched-off steps are marked, not left out (see numbers)."""
    line = before_payment_line()
    paid = tuple(PAID_LIFE)
    found = [Stage(CREATED, "Created")]
    for step in steps_before_payment():
        beyond = tuple(line[line.index(step.reached_status) :]) + paid
        found.append(
            Stage(
                step.reached_status, step.ledger_label, beyond, switched_off=is_switched_off(step)
            )
        )
    found += [
        Stage(Status.AWAITING_PAYMENT, "Checkout opened", (Status.AWAITING_PAYMENT, *paid)),
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

"""Postings at a given point of the flow, made directly in the database.

Their steps' own data come from walking FLOW as an example employer would (each step's
`fill_in`), so a step added to the flow needs no change here.
"""

from django.utils import timezone

from wizard.flow.order import FLOW
from wizard.flow.ownership import SESSION_KEY
from wizard.models import Actor, JobPosting, Status, TransitionLog

# What the details step's example employer writes (tests compare against it).
DETAILS = FLOW["details"].example_answers


def _steps_to(status, posting):
    """The steps an employer completes to reach `status`: up to the step that declares it
    (even one switched off since), every applicable step before payment for a status from
    "ready to pay" on (an abandoned draft included), none for a draft."""
    steps = FLOW.steps[: FLOW.steps.index(FLOW.payment)]
    if status == Status.DRAFT:
        return []
    declaring = next((step for step in steps if step.reached_status == status), None)
    if declaring is None:
        return [step for step in steps if step.is_applicable(posting)]
    steps = steps[: steps.index(declaring) + 1]
    return [step for step in steps if step is declaring or step.is_applicable(posting)]


def _walk(posting, status, at):
    """Complete the steps that lead to `status`, noting when (as the flow does)."""
    for step in _steps_to(status, posting):
        if not step.is_complete(posting):
            step.fill_in(posting)
        if "completed_at" not in step.data(posting):
            step.set_data(posting, completed_at=at.isoformat())


def _build(walked, status, at, fields):
    posting = JobPosting(status=status, step_data=fields.pop("step_data", {}))
    for reached in walked:
        _walk(posting, reached, at)
    for field, value in fields.items():
        setattr(posting, field, value)
    posting.save()
    return posting


def posting_at(status=Status.DRAFT, **fields):
    """A posting at `status` whose steps' own data agree with it: the steps before it
    completed by walking the flow; every step before payment once paid (or abandoned).
    `fields` are set last."""
    return _build([status], status, timezone.now(), fields)


def posting_reaching(name, **fields):
    """A posting that has just reached step `name`: every applicable step before it
    complete (walking the flow), its status as the flow gives it; for a step after
    payment, paid and in review."""
    step = FLOW[name]
    if FLOW.steps.index(step) > FLOW.steps.index(FLOW.payment):
        return posting_at(Status.IN_REVIEW, **{"paid_at": timezone.now(), **fields})
    walked = JobPosting()
    for earlier in FLOW.applicable(walked)[: FLOW.applicable(walked).index(step)]:
        earlier.fill_in(walked)
    return posting_at(FLOW.status_before_payment(walked), **fields)


def own(client, *postings):
    """Let the test client's browser session reach these postings."""
    session = client.session
    session[SESSION_KEY] = [*session.get(SESSION_KEY, []), *(str(p.pk) for p in postings)]
    session.save()


TRANSITIONS = {
    Status.AWAITING_PAYMENT: "open_checkout",
    Status.PAID: "mark_paid",
    Status.CONFIRMED: "confirm",
    Status.IN_REVIEW: "submit_for_review",
    Status.PUBLISHED: "approve",
    Status.REJECTED: "reject",
    Status.EXPIRED: "expire",
    Status.REFUNDED: "mark_refunded",
    Status.ABANDONED: "abandon",
}


def posting_through(*statuses, created_at=None, updated_at=None, **fields):
    """A posting that went through `statuses` in order, the last being its status now, with
    a transition log row for each (as the app writes them) and its steps completed as it
    went (an abandoned draft keeps what it had), created at `created_at`."""
    at = created_at or timezone.now()
    walked = [status for status in statuses if status != Status.ABANDONED]
    posting = _build(walked, statuses[-1] if statuses else Status.DRAFT, at, fields)
    source = Status.DRAFT
    for target in statuses:
        TransitionLog.objects.create(
            posting=posting,
            transition=TRANSITIONS.get(target, "advance_wizard"),
            source=source,
            target=target,
            actor=Actor.SYSTEM,
            reason="Made by a test",
            at=at,
        )
        source = target
    dates = {"created_at": created_at, "updated_at": updated_at or created_at}
    JobPosting.objects.filter(pk=posting.pk).update(
        **{name: value for name, value in dates.items() if value is not None}
    )
    return JobPosting.objects.get(pk=posting.pk)

"""The wizard's steps and their order: the one place that decides what comes next.

A step is a small class (wizard.flow.steps); the Flow is the ordered list of them.
The dispatcher (wizard.flow.views.step) asks the flow which step a posting may see,
the progress indicator and the status page are drawn from it, the URL patterns
are generated from it. Before payment the posting's status is a projection of the
flow (`sync_status`, under the row lock, whenever a draft is touched), and the payment
guard asks the flow (registered with wizard.postings.progress) whether every step
before payment is complete. A paid posting is never sent back to a step before
payment. Adding a step means writing one class and listing it here.
"""

from dataclasses import dataclass

from django.utils import timezone

from wizard.flow.steps.business import BusinessStep
from wizard.flow.steps.confirmation import ConfirmationStep
from wizard.flow.steps.details import DetailsStep
from wizard.flow.steps.logo import LogoStep
from wizard.flow.steps.payment import PaymentStep
from wizard.flow.steps.phone import PhoneStep
from wizard.flow.steps.plan import PlanStep
from wizard.postings import progress
from wizard.postings.models import Status


@dataclass(frozen=True)
class StepProgress:
    step: object
    number: int
    complete: bool
    current: bool
    reachable: bool
    url: str

    @property
    def state(self):
        if self.current:
            return "current"
        return "complete" if self.complete else "pending"


class Flow:
    def __init__(self, steps):
        self.steps = list(steps)
        payment = [step for step in self.steps if step.takes_payment]
        if len(payment) != 1:
            raise ValueError("A flow has exactly one step that takes payment.")
        self.payment = payment[0]
        for step in self.steps:
            step.flow = self

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, name):
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def applicable(self, posting):
        return [step for step in self.steps if step.is_applicable(posting)]

    def before_payment(self, posting):
        steps = self.applicable(posting)
        return steps[: steps.index(self.payment)]

    def counted(self, posting):
        """The applicable steps the progress counts and lists (not the confirmation)."""
        return [step for step in self.applicable(posting) if step.counts_as_step]

    def number(self, step, posting):
        steps = self.counted(posting)
        return steps.index(step) + 1 if step in steps else None

    def count(self, posting):
        return len(self.counted(posting))

    def open_steps(self, posting):
        """The applicable steps the posting may still be sent to: a paid posting is never
        sent back before payment (not even to a step switched on after it paid)."""
        steps = self.applicable(posting)
        if posting.is_paid:
            return steps[steps.index(self.payment) :]
        return steps

    def first_incomplete(self, posting):
        return next(
            (step for step in self.open_steps(posting) if not step.is_complete(posting)), None
        )

    def blocking_step(self, step, posting):
        """The first incomplete step before `step`, or None when `step` may be shown."""
        for earlier in self.open_steps(posting):
            if earlier is step or self.steps.index(earlier) > self.steps.index(step):
                return None
            if not earlier.is_complete(posting):
                return earlier
        return None

    def after_payment(self):
        """Where a paid posting goes: the first step that is not locked once paid."""
        return next(step for step in self.steps if not step.locked_once_paid)

    def next_after(self, step, posting):
        """Where to go once `step` is done: the first incomplete step, so that steps still
        complete are not walked through again; the next one when all are complete."""
        first = self.first_incomplete(posting)
        if first is not None:
            return first
        steps = self.applicable(posting)
        index = steps.index(step)
        return steps[index + 1] if index + 1 < len(steps) else step

    def ready_to_pay(self, posting):
        """Every applicable step before payment is complete (the payment guard asks this)."""
        return all(step.is_complete(posting) for step in self.before_payment(posting))

    def status_before_payment(self, posting):
        """The status the completed steps give: the `reached_status` of the last step of
        the leading run of complete ones, READY_TO_PAY when all before payment are."""
        status = Status.DRAFT
        for step in self.before_payment(posting):
            if not step.is_complete(posting):
                return status
            status = step.reached_status
        return Status.READY_TO_PAY

    def is_projected(self, posting):
        """The draft's status is what its steps give (always true past the wizard, and
        at checkout, where only the checkout's end moves it), and every complete step
        before payment has its completion time."""
        if not posting.is_before_payment or posting.has_checkout_open:
            return True
        return posting.status == self.status_before_payment(posting) and all(
            "completed_at" in step.data(posting)
            for step in self.before_payment(posting)
            if step.is_complete(posting)
        )

    def sync_status(self, posting, *, by, why):
        """Project the locked draft's status from its steps: advance it, or step it back
        when an edit undid a step or the flow changed (a TransitionLog row either way),
        and note when each step was first complete (the ledger and the funnel read it).
        A posting at checkout or past payment is left as it is."""
        if self.is_projected(posting):
            return
        for step in self.before_payment(posting):
            if step.is_complete(posting) and "completed_at" not in step.data(posting):
                step.set_data(posting, completed_at=timezone.now().isoformat())
        target = self.status_before_payment(posting)
        if posting.status != target:
            posting.advance_wizard(to=target, by=by, why=why)

    def progress(self, posting, current=None):
        items = []
        for number, step in enumerate(self.counted(posting), start=1):
            reachable = self.blocking_step(step, posting) is None and not (
                posting.is_paid and step.locked_once_paid
            )
            items.append(
                StepProgress(
                    step=step,
                    number=number,
                    complete=step.is_complete(posting),
                    current=step is current,
                    reachable=reachable,
                    url=step.url(posting),
                )
            )
        return items


FLOW = Flow(
    [
        LogoStep(),
        DetailsStep(),
        PhoneStep(),
        PlanStep(),  # what to buy; a business step may follow it, before payment
        BusinessStep(),  # the VAT number: just before payment
        PaymentStep(),
        ConfirmationStep(),
    ]
)
progress.register(FLOW)

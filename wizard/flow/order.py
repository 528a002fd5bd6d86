"""The wizard's steps and their order: the one place that decides what comes next.

A step is a small class (wizard.flow.steps); the Flow is the ordered list of them.
The dispatcher (wizard.flow.views.step) asks the flow which step a posting may see,
the progress indicator and the status page are drawn from it, the URL patterns
are generated from it, and the posting's status before payment is advanced by it
(`sync_status`). Adding a step means writing one class and listing it here.
"""

from dataclasses import dataclass

from django.utils import timezone

from wizard.flow.steps.confirmation import ConfirmationStep
from wizard.flow.steps.details import DetailsStep
from wizard.flow.steps.logo import LogoStep
from wizard.flow.steps.payment import PaymentStep
from wizard.flow.steps.phone import PhoneStep
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
        self._by_name = {step.name: step for step in self.steps}

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, name):
        return self._by_name[name]

    def applicable(self, posting):
        return [step for step in self.steps if step.is_applicable(posting)]

    def before_payment(self, posting):
        steps = self.applicable(posting)
        return steps[: steps.index(self.payment)]

    def number(self, step, posting):
        steps = self.applicable(posting)
        return steps.index(step) + 1 if step in steps else None

    def count(self, posting):
        return len(self.applicable(posting))

    def first_incomplete(self, posting):
        return next(
            (step for step in self.applicable(posting) if not step.is_complete(posting)), None
        )

    def blocking_step(self, step, posting):
        """The first incomplete step before `step`, or None when `step` may be shown."""
        for earlier in self.steps[: self.steps.index(step)]:
            if earlier.is_applicable(posting) and not earlier.is_complete(posting):
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

    def status_before_payment(self, posting):
        """The status the completed steps give: the `reached_status` of the last step of
        the leading run of complete ones, READY_TO_PAY when all before payment are."""
        status = Status.DRAFT
        for step in self.before_payment(posting):
            if not step.is_complete(posting):
                return status
            status = step.reached_status
        return Status.READY_TO_PAY

    def sync_status(self, posting, *, by, why):
        """Advance (or, after an edit undid a step, step back) the locked posting's status,
        and note when each step was first complete (for the employer's ledger)."""
        for step in self.before_payment(posting):
            if step.is_complete(posting) and "completed_at" not in step.data(posting):
                step.set_data(posting, completed_at=timezone.now().isoformat())
        target = self.status_before_payment(posting)
        if posting.status != target:
            posting.advance_wizard(to=target, by=by, why=why)

    def progress(self, posting, current=None):
        items = []
        for number, step in enumerate(self.applicable(posting), start=1):
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


FLOW = Flow([LogoStep(), DetailsStep(), PhoneStep(), PaymentStep(), ConfirmationStep()])

"""The wizard's steps and their order: the one place that decides what comes next.

A step is a small class; the Flow is the ordered list of them. The dispatcher
(wizard.views.step) asks the flow which step a posting may see, the progress
indicator and the status page are drawn from it, and the URL patterns are
generated from it. Adding a step means writing one class and listing it here.
"""

from dataclasses import dataclass

from wizard.flow.steps import ConfirmationStep, DetailsStep, LogoStep, PaymentStep


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
        for step in self.steps:
            step.flow = self
        self._by_name = {step.name: step for step in self.steps}

    def __iter__(self):
        return iter(self.steps)

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, name):
        return self._by_name[name]

    def number(self, step):
        return self.steps.index(step) + 1

    def first_incomplete(self, posting):
        return next((step for step in self.steps if not step.is_complete(posting)), None)

    def blocking_step(self, step, posting):
        """The first incomplete step before `step`, or None when `step` may be shown."""
        for earlier in self.steps[: self.steps.index(step)]:
            if not earlier.is_complete(posting):
                return earlier
        return None

    def after_payment(self):
        """Where a paid posting goes: the first step that is not locked once paid."""
        return next(step for step in self.steps if not step.locked_once_paid)

    def next_step(self, step):
        index = self.steps.index(step)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    def progress(self, posting, current=None):
        items = []
        for step in self.steps:
            reachable = self.blocking_step(step, posting) is None and not (
                posting.is_paid and step.locked_once_paid
            )
            items.append(
                StepProgress(
                    step=step,
                    number=self.number(step),
                    complete=step.is_complete(posting),
                    current=step is current,
                    reachable=reachable,
                    url=step.url(posting),
                )
            )
        return items


FLOW = Flow([LogoStep(), DetailsStep(), PaymentStep(), ConfirmationStep()])

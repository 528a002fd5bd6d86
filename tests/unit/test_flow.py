"""The flow decides the order of steps from each step's own data; these tests pin its rules."""

import pytest
from django.urls import reverse

from tests.factories import DETAILS
from wizard.flow.order import FLOW, Flow
from wizard.flow.steps.base import Step
from wizard.flow.steps.confirmation import ConfirmationStep
from wizard.flow.steps.details import DetailsStep
from wizard.flow.steps.logo import LogoStep
from wizard.flow.steps.payment import PaymentStep
from wizard.models import JobPosting, Status


def draft(**step_data):
    return JobPosting(step_data=step_data)


LOGO_DONE = {"logo": {"skipped": True}}


def ready(**fields):
    """A posting with every applicable step before payment complete, walking the flow."""
    posting = JobPosting(**fields)
    for step in FLOW.before_payment(posting):
        step.fill_in(posting)
    return posting


def test_the_product_contract_logo_details_payment_confirmation_in_that_order():
    names = [step.name for step in FLOW.applicable(JobPosting())]
    assert [n for n in names if n in ("logo", "details", "payment", "confirmation")] == [
        "logo",
        "details",
        "payment",
        "confirmation",
    ]
    assert FLOW.payment.name == "payment" and FLOW.after_payment().name == "confirmation"


@pytest.mark.parametrize(
    "make,expected",
    [
        (draft, "logo"),
        (lambda: draft(**LOGO_DONE), "details"),
        (ready, "payment"),
        (lambda: ready(status=Status.PAID), "confirmation"),
        (lambda: ready(status=Status.CONFIRMED), None),
    ],
    ids=["draft", "logo done", "ready", "paid", "confirmed"],
)
def test_first_incomplete_step_follows_the_steps_own_data(make, expected):
    step = FLOW.first_incomplete(make())
    assert (step.name if step else None) == expected


def test_a_step_is_blocked_exactly_when_an_earlier_step_is_incomplete():
    posting = draft(**LOGO_DONE)
    assert FLOW.blocking_step(FLOW["details"], posting) is None
    assert FLOW.blocking_step(FLOW["payment"], posting) is FLOW["details"]
    assert FLOW.blocking_step(FLOW["confirmation"], posting) is FLOW["details"]


def test_payment_can_never_be_skipped():
    posting = ready(status=Status.READY_TO_PAY)
    assert FLOW.blocking_step(FLOW["confirmation"], posting) is FLOW["payment"]


def test_the_status_before_payment_follows_the_leading_run_of_complete_steps():
    assert FLOW.status_before_payment(draft()) == Status.DRAFT
    assert FLOW.status_before_payment(draft(**LOGO_DONE)) == "logo_ready"
    # Details filled in but the logo step not done: still a draft.
    assert FLOW.status_before_payment(JobPosting(**DETAILS)) == Status.DRAFT
    assert FLOW.status_before_payment(ready()) == Status.READY_TO_PAY


def test_progress_marks_complete_current_and_reachable_steps():
    progress = FLOW.progress(draft(**LOGO_DONE), current=FLOW["details"])
    states = {item.step.name: (item.state, item.reachable) for item in progress}
    assert states.pop("logo") == ("complete", True)
    assert states.pop("details") == ("current", True)
    assert set(states.values()) == {("pending", False)}


def test_paid_postings_cannot_reach_the_editing_steps():
    posting = ready(status=Status.PAID)
    reachable = {item.step.name for item in FLOW.progress(posting) if item.reachable}
    assert reachable == set()  # and the confirmation, not a step, is not listed


def test_the_confirmation_is_not_counted_or_listed_as_a_step():
    posting = ready()
    steps = [step.name for step in FLOW.counted(posting)]
    assert "confirmation" not in steps and steps[-1] == "payment"
    assert FLOW.count(posting) == len(FLOW.applicable(posting)) - 1
    assert FLOW.number(FLOW["payment"], posting) == FLOW.count(posting)
    assert FLOW.number(FLOW["confirmation"], posting) is None
    assert "confirmation" not in {item.step.name for item in FLOW.progress(posting)}


def test_every_step_has_a_url():
    posting = JobPosting()
    for step in FLOW:
        assert step.url(posting) == reverse(f"wizard:{step.name}", args=[posting.pk])


class TermsStep(Step):
    """A step written the way README's "Adding a step" says: its own data, its own status."""

    name = "terms"
    title = "Terms"
    reached_status = "terms_accepted"

    def is_complete(self, posting):
        return self.data(posting).get("accepted", False)


def test_a_new_step_is_ordered_numbered_and_guarded_by_the_flow_alone():
    flow = Flow([LogoStep(), DetailsStep(), TermsStep(), PaymentStep(), ConfirmationStep()])
    posting = JobPosting(step_data=LOGO_DONE, **DETAILS)
    terms, payment = flow["terms"], flow["payment"]

    assert flow.first_incomplete(posting) is terms
    assert flow.blocking_step(payment, posting) is terms  # payment waits for it
    assert flow.status_before_payment(posting) == "details_ready"
    assert (flow.number(terms, posting), flow.count(posting)) == (3, 4)  # not the confirmation

    terms.set_data(posting, accepted=True)
    assert flow.first_incomplete(posting) is payment
    assert flow.status_before_payment(posting) == Status.READY_TO_PAY


def test_a_step_switched_off_is_skipped_everywhere(settings):
    settings.PHONE_VERIFICATION_ENABLED = False
    posting = ready()
    count = FLOW.count(posting)
    assert FLOW["phone"] not in FLOW.applicable(posting)
    assert FLOW.first_incomplete(posting) is FLOW["payment"]
    settings.PHONE_VERIFICATION_ENABLED = True
    assert FLOW.first_incomplete(posting) is FLOW["phone"]
    assert FLOW.count(posting) == count + 1

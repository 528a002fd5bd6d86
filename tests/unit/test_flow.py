"""The flow decides the order of steps; these tests pin that order for every status."""

import pytest
from django.urls import reverse

from wizard.flow.order import FLOW
from wizard.models import JobPosting, Status

EXPECTED_FIRST_INCOMPLETE = {
    Status.DRAFT: "logo",
    Status.LOGO_READY: "details",
    Status.DETAILS_READY: "payment",
    Status.AWAITING_PAYMENT: "payment",
    Status.PAID: "confirmation",
    Status.CONFIRMED: None,
}


def test_steps_are_in_wizard_order():
    assert [step.name for step in FLOW] == ["logo", "details", "payment", "confirmation"]
    assert [FLOW.number(step) for step in FLOW] == [1, 2, 3, 4]


@pytest.mark.parametrize("status,expected", EXPECTED_FIRST_INCOMPLETE.items())
def test_first_incomplete_step_follows_the_status(status, expected):
    step = FLOW.first_incomplete(JobPosting(status=status))
    assert (step.name if step else None) == expected


@pytest.mark.parametrize("status", list(Status))
def test_a_step_is_blocked_exactly_when_an_earlier_step_is_incomplete(status):
    posting = JobPosting(status=status)
    first = FLOW.first_incomplete(posting)
    first_index = FLOW.steps.index(first) if first else len(FLOW)
    for index, step in enumerate(FLOW):
        blocking = FLOW.blocking_step(step, posting)
        if index <= first_index:
            assert blocking is None, step.name
        else:
            assert blocking is first, step.name


def test_paid_postings_land_on_the_confirmation_step():
    assert FLOW.after_payment().name == "confirmation"
    assert [step.name for step in FLOW if step.locked_once_paid] == ["logo", "details", "payment"]


def test_progress_marks_complete_current_and_reachable_steps():
    posting = JobPosting(status=Status.LOGO_READY)
    progress = FLOW.progress(posting, current=FLOW["details"])
    assert [item.state for item in progress] == ["complete", "current", "pending", "pending"]
    assert [item.reachable for item in progress] == [True, True, False, False]


def test_paid_postings_cannot_reach_the_editing_steps():
    progress = FLOW.progress(JobPosting(status=Status.PAID))
    assert [item.reachable for item in progress] == [False, False, False, True]


def test_every_step_has_a_url():
    posting = JobPosting()
    for step in FLOW:
        assert reverse(step.url_name, args=[posting.pk]) == f"/post/{posting.pk}/{step.name}/"

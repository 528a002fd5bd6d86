"""Every status a posting can have reads in an employer's words, in exactly one group."""

from wizard.account import states
from wizard.flow.order import FLOW
from wizard.postings.models import JobPosting
from wizard.postings.statuses import Status


def test_every_status_has_words_and_one_group():
    for status in Status:
        assert states.WORDS[status], status
        holding = [group for group in states.GROUPS if status in group.statuses]
        assert len(holding) == 1, (status, holding)


def test_a_status_a_step_declares_is_a_draft():
    for step in FLOW.before_payment(JobPosting()):
        assert states.words(JobPosting(status=step.reached_status)) == "Draft"
        assert states.group_of(step.reached_status) is states.DRAFTS


def test_a_withdrawal_reads_as_withdrawn_whatever_its_status():
    refunded = JobPosting(status=Status.REFUNDED)
    assert states.words(refunded) == "Refunded"
    refunded.withdrawn_by_employer = True
    assert states.words(refunded) == "Withdrawn"
    taken_down = JobPosting(status=Status.EXPIRED)
    taken_down.withdrawn = True
    assert states.words(taken_down) == "Withdrawn"


def test_the_words_are_not_the_staff_labels_where_those_are_jargon():
    assert states.words(JobPosting(status=Status.PUBLISHED)) == "Live"
    assert states.words(JobPosting(status=Status.AWAITING_PAYMENT)) == "Waiting for payment"
    assert states.words(JobPosting(status=Status.CONFIRMED)) == "In review"

"""The soak's invariants of returning employers (soak/returning_checks.py, checks 13 and
14) on hand-made facts: each catches what it is there to catch, and a consistent set
passes. No database: the records are unsaved."""

import uuid

import pytest

from soak import checks
from soak.employer import Outcome
from soak.returning_checks import revision_notice_name
from wizard.effects import indexing
from wizard.jobs.models import Job
from wizard.payments.models import PaymentAttempt
from wizard.postings.models import JobPosting, Status
from wizard.postings.revisions import PostingRevision

State = PostingRevision.State


@pytest.fixture(autouse=True)
def indexing_on(settings):
    settings.SEARCH_INDEXING_ENABLED = True


class World:
    def __init__(self):
        self.postings, self.payments, self.effects, self.revisions = {}, {}, [], []
        self.applied, self.logo_files, self.count = {}, set(), 0

    def posting(self, status=Status.PUBLISHED, logo="", title="Reliability Engineer #1"):
        posting = JobPosting(pk=uuid.uuid4(), status=status, logo=logo, title=title)
        self.postings[str(posting.pk)] = posting
        if logo:
            self.logo_files.add(logo)
        return posting

    def paid(self, posting, purpose=PaymentAttempt.Purpose.FIRST, intent=None):
        self.count += 1
        intent = intent or f"pi_{self.count}"
        payment = PaymentAttempt(
            pk=self.count, posting=posting, payment_intent_id=intent, purpose=purpose
        )
        self.payments[intent] = payment
        if purpose == PaymentAttempt.Purpose.FIRST:
            posting.current_attempt = payment
        return payment

    def revision(self, posting, state, *, applied=None, notices=None):
        """A revision decided `state`; by default applied and announced as it should be."""
        self.count += 1
        revision = PostingRevision(pk=self.count, posting=posting, state=state)
        self.revisions.append(revision)
        approved = state == State.APPROVED
        key = str(posting.pk)
        self.applied[key] = self.applied.get(key, 0) + (approved if applied is None else applied)
        for _ in range(approved if notices is None else notices):
            self.effects.append(
                Job(posting=posting, kind=indexing.KIND, name=revision_notice_name(revision))
            )
        return revision

    def facts(self):
        return checks.Facts(
            postings=self.postings,
            effects=self.effects,
            confirmations={},
            refunds=[],
            events_pending=0,
            events_failed=[],
            sessions={},
            stripe_refunds=[],
            stripe_charges=[],
            stripe_disputes=[],
            payments=self.payments,
            refunds_made=[],
            disputes={},
            mail=[],
            orphans=[],
            overdue=[],
            task_returns={},
            revisions=self.revisions,
            applied_revisions=self.applied,
            logo_files=self.logo_files,
        )


def duplicated(world, *, logo="logos/a.png", copy_logo="logos/b.png", status=Status.PUBLISHED):
    """An original (live) and its paid copy, each with its own payment and logo file."""
    original = world.posting(status, logo=logo)
    world.paid(original)
    copy = world.posting(Status.IN_REVIEW, logo=copy_logo)
    world.paid(copy)
    outcome = Outcome(
        number=1,
        profile="duplicates",
        posting_id=str(copy.pk),
        original_id=str(original.pk),
        paid_sessions=["cs_copy"],
    )
    return original, copy, outcome


def revision_violations(world):
    return checks.check_revisions(world.facts()).violations


def returning_violations(world, outcomes):
    return checks.check_returning(world.facts(), outcomes).violations


def test_edits_and_duplicates_as_they_should_be_pass():
    world = World()
    live = world.posting()
    world.revision(live, State.REJECTED)
    world.revision(live, State.APPROVED)
    world.revision(live, State.APPROVED)
    world.revision(live, State.WITHDRAWN)
    world.revision(live, State.PENDING)
    world.revision(world.posting(), State.PENDING)
    _, _, outcome = duplicated(world)
    _, _, without_logos = duplicated(world, logo="", copy_logo="")
    edited = Outcome(
        number=2, profile="edits_live", posting_id=str(live.pk), edit_decision="approved"
    )
    edited.board_title = live.title
    assert revision_violations(world) == []
    assert returning_violations(world, [outcome, without_logos, edited]) == []


def test_two_pending_revisions_of_one_posting_are_caught():
    world = World()
    posting = world.posting()
    world.revision(posting, State.PENDING)
    world.revision(posting, State.PENDING)
    assert any("2 pending revisions" in v for v in revision_violations(world))


@pytest.mark.parametrize("applied", [0, 2])
def test_an_approved_revision_applied_other_than_once_is_caught(applied):
    world = World()
    world.revision(world.posting(), State.APPROVED, applied=applied)
    assert any(
        f"{applied} apply_revision transitions for 1 approved" in v
        for v in revision_violations(world)
    )


def test_a_rejected_revision_applied_is_caught():
    world = World()
    world.revision(world.posting(), State.REJECTED, applied=1)
    found = revision_violations(world)
    assert any("1 apply_revision transitions for 0 approved" in v for v in found)


@pytest.mark.parametrize(
    ("state", "notices", "wanted"),
    [(State.APPROVED, 0, 1), (State.APPROVED, 2, 1), (State.REJECTED, 1, 0)],
)
def test_search_engine_notices_other_than_one_per_approved_revision_are_caught(
    state, notices, wanted
):
    world = World()
    world.revision(world.posting(), state, notices=notices)
    assert any(
        f"{notices} search-engine notices, not {wanted}" in v for v in revision_violations(world)
    )


def test_a_copy_sharing_its_originals_logo_file_is_caught():
    world = World()
    _, _, outcome = duplicated(world, logo="logos/a.png", copy_logo="logos/a.png")
    found = returning_violations(world, [outcome])
    assert any("share the logo file logos/a.png" in v for v in found)
    assert any("shares its original's logo file" in v for v in found)


def test_a_copys_logo_missing_from_storage_is_caught():
    world = World()
    _, copy, outcome = duplicated(world)
    world.logo_files.discard(copy.logo.name)
    found = returning_violations(world, [outcome])
    assert any("logo file logos/b.png is missing" in v for v in found)


def test_a_copy_shown_paid_by_its_originals_payment_is_caught():
    world = World()
    original, copy, outcome = duplicated(world)
    copy.current_attempt = original.current_attempt
    assert any("no payment of its own" in v for v in returning_violations(world, [outcome]))


def test_a_paid_copy_without_a_first_payment_of_its_own_is_caught():
    world = World()
    _, copy, outcome = duplicated(world)
    copy.current_attempt.purpose = PaymentAttempt.Purpose.RENEWAL
    assert any("not a first one" in v for v in returning_violations(world, [outcome]))
    copy.current_attempt = None
    assert any("no payment of its own" in v for v in returning_violations(world, [outcome]))


def test_an_original_no_longer_live_after_the_duplicate_is_caught():
    world = World()
    _, _, outcome = duplicated(world, status=Status.EXPIRED)
    assert any("is expired, not published" in v for v in returning_violations(world, [outcome]))


def test_a_copy_that_is_its_original_is_caught():
    world = World()
    original, _, outcome = duplicated(world)
    outcome.posting_id = str(original.pk)
    assert any("not two postings" in v for v in returning_violations(world, [outcome]))


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_a_live_edit_whose_title_is_not_what_staff_decided_is_caught(decision):
    world = World()
    posting = world.posting(title="Reliability Engineer #3")
    outcome = Outcome(
        number=3, profile="edits_live", posting_id=str(posting.pk), edit_decision=decision
    )
    outcome.board_title = "Site Reliability Lead #3"
    assert any(
        f"edit {decision}, the posting's title is 'Reliability Engineer #3'" in v
        for v in returning_violations(world, [outcome])
    )

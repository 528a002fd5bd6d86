"""Two staff approving one edit of a live posting at once apply it once; an employer's
edits racing each other leave one pending revision. PostgreSQL's row locks."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections

from tests.accounts import employer
from tests.factories import posting_at
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, PostingRevision, Status, TransitionLog
from wizard.postings import review, revising
from wizard.postings.revisions import values_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency tests need PostgreSQL row locks; CI runs them with DATABASE_URL set"
        )


def at_once(targets):
    """Run each target in its own thread, all released together; their results or errors."""
    barrier = threading.Barrier(len(targets))
    outcomes = []

    def worker(target):
        try:
            barrier.wait()
            outcomes.append(target())
        except Exception as exc:  # collected: the caller asserts which
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def live():
    posting = posting_at(Status.IN_REVIEW, employer=employer())
    return review.approve(posting.pk, by=Actor.system())


def test_two_staff_approving_at_once_apply_the_edit_once(live):
    _, revision = revising.propose(live.pk, {**values_of(live), "title": "Lead Django Engineer"})
    staff = [
        User.objects.create_superuser(name, f"{name}@example.com", "x") for name in ("ann", "bob")
    ]
    outcomes = at_once(
        [lambda user=user: revising.approve(revision.pk, by=Actor.staff(user)) for user in staff]
    )
    approved = [o for o in outcomes if isinstance(o, PostingRevision)]
    refused = [o for o in outcomes if isinstance(o, revising.AlreadyDecided)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert JobPosting.objects.get(pk=live.pk).title == "Lead Django Engineer"
    assert TransitionLog.objects.filter(posting=live, transition="apply_revision").count() == 1
    assert Job.objects.filter(kind="indexing", name__contains=":revision:").count() == 1
    assert Job.objects.filter(kind="email", name="revision_approved").count() == 1


def test_edits_racing_each_other_leave_one_pending_revision(live):
    titles = [f"Title {n}" for n in range(6)]
    outcomes = at_once(
        [
            lambda title=title: revising.propose(live.pk, {**values_of(live), "title": title})
            for title in titles
        ]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    (revision,) = PostingRevision.objects.all()
    assert revision.is_pending and revision.values["title"] in titles

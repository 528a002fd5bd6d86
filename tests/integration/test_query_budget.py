"""How many queries the hot paths make (issue 11): at most five per wizard request, the
webhook's store-and-queue, and one email sent by the worker. Counts, not timings: `make
bench` measures time. Transaction control (BEGIN, COMMIT, savepoints) is not counted."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import posting_at
from wizard.effects import runner
from wizard.effects.email import Email, queue_email
from wizard.effects.models import Effect
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

WIZARD_MAX_QUERIES = 5
HTMX = {"HTTP_HX_REQUEST": "true"}
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@contextmanager
def data_queries():
    """The SQL statements run inside the block, transaction control left out."""
    found = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    found.extend(
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].split(" ", 1)[0].upper() not in TRANSACTION_CONTROL
    )


def test_the_worker_sends_an_email_and_records_it_in_nine_queries(mailoutbox):
    posting = posting_at(Status.PAID)
    with mock.patch("wizard.effects.runner.transaction.on_commit"):
        with runner.transaction.atomic():
            effect = queue_email(posting, Email.CONFIRMATION)
    with data_queries() as queries:
        assert runner.run_now(effect.pk) == "done"
    assert Effect.objects.get(pk=effect.pk).state == Effect.State.SENT
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW
    assert len(mailoutbox) == 1
    # Claim: lock the posting (found from the effect), lock and update the effect. Record:
    # the same locks, the effect's update, the two transitions' log rows, the posting.
    assert len(queries) == 9, queries

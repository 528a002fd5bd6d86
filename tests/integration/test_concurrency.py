"""Row locks under real concurrency: these need PostgreSQL's SELECT ... FOR UPDATE."""

import threading

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, session_id_from
from wizard.models import Actor, JobPosting, Status, TransitionLog
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL row locks; CI runs them with DATABASE_URL set")


def run_at_once(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_concurrent_fulfils_mark_the_posting_paid_exactly_once(client, fakestripe):
    posting = posting_at(Status.DETAILS_READY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)

    outcomes = run_at_once(8, lambda: fulfil(session_id, by=Actor.system()))

    assert sorted(o.value for o in outcomes) == ["already_paid"] * 7 + ["paid"]
    assert outcomes.count(FulfilOutcome.PAID) == 1
    assert JobPosting.objects.get().status == Status.PAID
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert DBTaskResult.objects.count() == 1

"""Staff notices raised at once, while their digest is being sent: each is sent exactly
once per channel (PostgreSQL's row locks)."""

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.integration.test_concurrency import postgresql_only, run_at_once  # noqa: F401
from wizard.jobs import runner, staff_alert
from wizard.jobs.models import Job, StaffNotice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def staff(settings):
    settings.STAFF_ALERT_EMAILS = ["ops@example.com"]
    settings.STAFF_ALERT_WEBHOOK_URL = ""


def raise_notice(name):
    with transaction.atomic():
        return staff_alert.alert(None, name, f"Notice {name}", f"About {name}.")


def test_concurrent_raisers_share_one_digest():
    names = [f"n{i}" for i in range(8)]
    run_at_once(12, lambda: raise_notice(names.pop() if names else "n0"))
    [digest] = Job.objects.filter(kind=staff_alert.KIND)
    assert StaffNotice.objects.count() == 8
    assert set(StaffNotice.objects.values_list("email_digest", flat=True)) == {digest.pk}


def test_notices_raised_while_the_digest_is_sent_are_in_exactly_one_digest(run_tasks):
    raise_notice("first")
    [digest] = Job.objects.filter(kind=staff_alert.KIND)
    names = [f"during-{i}" for i in range(6)]

    def one(i):
        return runner.run_now(digest.pk) if i == 0 else raise_notice(names.pop())

    counter = iter(range(7))
    run_at_once(7, lambda: one(next(counter)))
    # The window ends: the next digest is due.
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    Job.objects.filter(kind=staff_alert.KIND).update(next_attempt_at=timezone.now())
    run_tasks()

    bodies = "\n".join(message.body for message in mail.outbox)
    for name in ["first", *(f"during-{i}" for i in range(6))]:
        assert bodies.count(f"About {name}.") == 1, name
    assert not StaffNotice.objects.filter(email_digest=None).exists()

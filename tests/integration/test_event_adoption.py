"""The rolling upgrade: what the previous release left is taken over by this one's jobs.
Stripe events it stored (no job; their state in their own columns) are adopted, by
migration 0015 for those present and by recovery for those stored while old web processes
still ran; tasks it queued under its old paths fail harmlessly and their work is run."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tests.factories import posting_at
from wizard.effects.email import Email, queue_email
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.models import Status, StripeEvent
from wizard.payments.stripe_events import KIND

pytestmark = pytest.mark.django_db

BEFORE = ("wizard", "0014_jobs_package")
AFTER = ("wizard", "0015_jobs_for_events")


def old_release_event(event_id, **columns):
    """An event as the previous release stored it: no job."""
    return StripeEvent.objects.create(
        event_id=event_id, type="customer.created", payload={"data": {"object": {}}}, **columns
    )


def test_recovery_adopts_an_event_stored_by_the_previous_release_and_processes_it(run_tasks):
    stored = old_release_event("evt_old_web")
    assert StripeEvent.objects.get().state == "queued"  # pending, for staff, meanwhile
    [report] = recover_stuck_work()
    assert "evt_old_web" in report and "adopted" in report
    assert recover_stuck_work() == []  # once
    run_tasks()
    stored.refresh_from_db()
    assert (stored.job.kind, stored.job.name, stored.job.posting_id) == (KIND, "evt_old_web", None)
    assert (stored.state, stored.job.attempts) == ("processed", 1)


def test_the_previous_releases_task_for_an_event_fails_harmlessly_and_the_event_is_adopted(
    run_tasks,
):
    """An old web process queued `process_event`, a task this release does not have: the
    worker marks its row failed and goes on; recovery adopts the event."""
    stored = old_release_event("evt_old_task")
    old_task = DBTaskResult.objects.create(
        task_path="wizard.payments.webhooks.process_event",
        args_kwargs={"args": [stored.pk], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
    )
    run_tasks()
    assert DBTaskResult.objects.get(pk=old_task.pk).status == "FAILED"
    assert StripeEvent.objects.get().state == "queued"
    recover_stuck_work()
    run_tasks()
    assert StripeEvent.objects.get().state == "processed"


def test_an_event_the_previous_release_finished_is_adopted_as_it_ended(run_tasks):
    now = timezone.now()
    old_release_event("evt_done", processed_at=now, attempts=2)
    old_release_event("evt_given_up", failed_at=now, attempts=10, error="StripeError: no")
    assert len(recover_stuck_work()) == 2
    run_tasks()  # nothing to do: neither is run again
    done, given_up = (StripeEvent.objects.get(event_id=e) for e in ("evt_done", "evt_given_up"))
    assert (done.state, done.job.attempts, done.job.sent_at) == ("processed", 2, now)
    assert (given_up.state, given_up.job.attempts) == ("failed", 10)
    assert given_up.job.last_error == "StripeError: no"


@pytest.mark.django_db(transaction=True)
def test_the_migration_adopts_the_events_present(run_tasks, settings):
    posting = posting_at(Status.PAID)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    now = timezone.now()
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps.get_model("wizard", "StripeEvent")
        for event_id, columns in {
            "evt_pending": {"attempts": 1, "error": "boom", "posting_id": posting.pk},
            "evt_processed": {"processed_at": now, "attempts": 1},
            "evt_failed": {"failed_at": now, "attempts": 10, "error": "gave up"},
        }.items():
            old.objects.create(event_id=event_id, type="customer.created", payload={}, **columns)
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

    jobs = {job.name: job for job in Job.objects.filter(kind=KIND)}
    assert {name: job.state for name, job in jobs.items()} == {
        "evt_pending": "queued",
        "evt_processed": "sent",
        "evt_failed": "failed",
    }
    assert (jobs["evt_pending"].attempts, jobs["evt_pending"].last_error) == (1, "boom")
    assert jobs["evt_pending"].posting_id is None
    assert StripeEvent.objects.filter(job=None).count() == 0

    settings.STUCK_AFTER_SECONDS = 0  # the pending one has no task: recovery queues it
    assert any("evt_pending" in line for line in recover_stuck_work())
    run_tasks()
    assert StripeEvent.objects.get(event_id="evt_pending").state == "processed"


def test_an_event_whose_job_exists_already_is_linked_to_it():
    from django.db import transaction

    from wizard.jobs import runner

    with transaction.atomic():
        job = runner.queue_new(KIND, "evt_twice", payload={"type": "customer.created"})
    old_release_event("evt_twice")
    assert "evt_twice" in recover_stuck_work()[0]
    assert StripeEvent.objects.get().job == job
    assert Job.objects.filter(kind=KIND).count() == 1


def test_an_email_task_of_the_previous_release_fails_harmlessly_and_its_job_is_run(
    run_tasks, settings, mailoutbox
):
    """The previous release queued its runner's task under its old path
    (wizard.effects.runner.run_effect): a new worker fails that row, and recovery queues the
    job again once it has waited STUCK_AFTER_SECONDS with no live task. Sent once."""
    settings.STUCK_AFTER_SECONDS = 60
    posting = posting_at(Status.IN_REVIEW)
    with transaction.atomic():
        job = queue_email(posting, Email.CONFIRMATION)
    DBTaskResult.objects.all().delete()  # as if the old release had queued it…
    DBTaskResult.objects.create(  # …under its own task path
        task_path="wizard.effects.runner.run_effect",
        args_kwargs={"args": [job.pk], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
    )
    run_tasks()
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    Job.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))

    assert any(str(job.key) in line for line in recover_stuck_work())
    run_tasks()
    assert Job.objects.get(pk=job.pk).state == Job.State.SENT
    assert len(mailoutbox) == 1

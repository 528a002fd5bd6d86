"""The effect runner, through a kind written the way README's "Adding a side effect" says:
records commit with their cause, transient errors retry, permanent ones fail at once and
alert, a crash costs at most one duplicate."""

from contextlib import contextmanager

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.factories import posting_at
from wizard.jobs import runner
from wizard.jobs.kinds import JobKind, register
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


class PingKind(JobKind):
    """Tells a made-up service about a posting; `script` says how each call answers."""

    name = "test_ping"
    label = "Ping"
    script = []
    calls = []
    in_the_worker = False

    @contextmanager
    def in_worker(self):
        PingKind.in_the_worker = True
        try:
            yield
        finally:
            PingKind.in_the_worker = False

    def perform(self, effect):
        self.calls.append((effect.attempts, "worker") if self.in_the_worker else effect.attempts)
        outcome = self.script.pop(0) if self.script else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        return f"ping-{effect.attempts}"

    def is_permanent(self, exc):
        return isinstance(exc, Refused)


PING = register(PingKind())


@pytest.fixture(autouse=True)
def fresh_script(settings):
    settings.EFFECT_RETRY_BASE_SECONDS = 0  # retries are due at once
    PING.script, PING.calls = [], []


def queue_ping(posting):
    with transaction.atomic():
        return runner.queue(posting, PING.name, "published")


def test_an_effect_is_recorded_with_its_cause_or_not_at_all():
    posting = posting_at(Status.PAID)
    with pytest.raises(RuntimeError), transaction.atomic():
        runner.queue(posting, PING.name, "published")
        raise RuntimeError("the state change failed")
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()


def test_a_transient_error_is_retried_with_backoff(run_tasks):
    PING.script = [ConnectionError("down"), ConnectionError("still down")]
    effect = queue_ping(posting_at(Status.PAID))
    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts, effect.provider_id) == ("sent", 3, "ping-3")
    assert PING.calls == [(1, "worker"), (2, "worker"), (3, "worker")]
    assert effect.last_error == ""


def test_only_the_workers_attempts_run_in_their_kinds_worker_surroundings():
    """A kind's `in_worker` (Stripe's longer background deadline, say) wraps an attempt by
    the task worker, not one made at once in a request."""
    effect = queue_ping(posting_at(Status.PAID))
    assert runner.run_now(effect.pk) == "done"
    assert PING.calls == [1]
    effect.refresh_from_db()
    queue_ping(effect.posting)
    assert runner.run_job.call(effect.pk) == "done"
    assert PING.calls == [1, (2, "worker")]


@pytest.mark.parametrize("employer_sees", [True, False])
def test_a_permanent_error_fails_at_once_and_alerts(run_tasks, monkeypatch, employer_sees):
    """Staff are alerted whatever the kind; the employer is told only of a kind they see."""
    monkeypatch.setattr(PING, "employer_sees", employer_sees)
    PING.script = [Refused("no such posting")]
    posting = posting_at(Status.PAID)
    effect = queue_ping(posting)
    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("failed", 1)
    assert "Refused: no such posting" in effect.last_error
    posting.refresh_from_db()
    assert ("Ping: published did not go through" in posting.last_error_message) is employer_sees
    assert JobPosting.objects.with_attention().get().attention_effect


def test_too_many_transient_errors_fail_for_good(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 2
    PING.script = [ConnectionError("down")] * 5
    effect = queue_ping(posting_at(Status.PAID))
    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("failed", 2)


def test_a_crash_mid_attempt_costs_at_most_one_duplicate(run_tasks, settings):
    effect = queue_ping(posting_at(Status.PAID))
    claimed = runner._claim(effect.pk)  # the worker took it…
    PING.perform(claimed)  # …the service answered, and the worker died before recording it
    settings.STUCK_AFTER_SECONDS = 0
    assert recover_stuck_work()
    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("sent", 2)
    assert PING.calls == [1, (2, "worker")]  # one duplicate, recognisable by its attempt number


def run_effect_rows():
    return DBTaskResult.objects.filter(task_path=runner.run_job.module_path)


def test_an_effect_waiting_behind_a_backlog_is_not_queued_again(run_tasks, settings):
    """Found by the soak (make soak): with the workers behind, every effect queued longer
    than STUCK_AFTER_SECONDS got one more task row per recovery run, which only made the
    backlog longer, while the log said it "had no running task"."""
    effect = queue_ping(posting_at(Status.PAID))
    settings.STUCK_AFTER_SECONDS = 0  # it has waited "too long": its task row is still READY
    assert recover_stuck_work() == []
    assert run_effect_rows().count() == 1
    run_effect_rows().update(status="RUNNING")  # a worker has just taken it
    assert recover_stuck_work() == []
    assert run_effect_rows().count() == 1
    run_effect_rows().update(status="READY")
    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("sent", 1)


def test_a_job_of_no_posting_is_retried_and_its_failure_is_for_staff_alone(run_tasks, settings):
    """A job may belong to nothing (a Stripe event for a session we do not know; later, an
    employer's sign-in email): the same runner claims, retries and fails it."""
    settings.STAFF_ALERT_EMAILS = ["ops@example.com"]  # who hear of the failure
    PING.script = [ConnectionError("down")]
    with transaction.atomic():
        job = runner.queue(None, PING.name, "no-one")
    assert (job.posting_id, job.key) == (None, "test_ping:no-one")
    run_tasks()
    job.refresh_from_db()
    assert (job.state, job.attempts, job.provider_id) == ("sent", 2, "ping-2")

    PING.script = [Refused("no")]
    assert runner.retry(Job.objects.filter(pk=job.pk)) == 1
    run_tasks()
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 3)
    assert list(Job.objects.needing_attention()) == [job]
    assert not JobPosting.objects.with_attention().filter(attention_effect=True).exists()


def test_recovery_runs_the_repairs_packages_register(settings):
    """jobs/ knows no package above it: a package that can spot work a crash left undone
    (the confirmation email never queued, say) registers its repair with recovery."""
    from wizard.jobs import recovery

    seen = []

    def note_it(stuck_before):
        seen.append(stuck_before)
        return ["repaired something"]

    recovery.repair(note_it)
    try:
        assert "repaired something" in recover_stuck_work()
    finally:
        recovery._REPAIRS.remove(note_it)
    assert len(seen) == 1
    assert recover_stuck_work() == []


@pytest.mark.parametrize("lost", ["vanished", "failed"])
def test_a_queued_effect_whose_task_was_lost_is_queued_again(run_tasks, settings, lost):
    effect = queue_ping(posting_at(Status.PAID))
    if lost == "vanished":
        run_effect_rows().delete()
    else:  # a worker died holding it and the row was marked failed
        run_effect_rows().update(status="FAILED")
    settings.STUCK_AFTER_SECONDS = 0
    assert recover_stuck_work() == [f"effect {effect.pk} ({effect.key}) had no task; re-queued"]
    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("sent", 1)


def test_asking_again_too_soon_is_refused_unless_it_failed(run_tasks):
    from datetime import timedelta

    posting = posting_at(Status.PAID)
    queue_ping(posting)
    run_tasks()
    with pytest.raises(runner.TooSoon):
        runner.queue_again(posting, PING.name, "published", cooldown=timedelta(minutes=5))
    Job.objects.update(state="failed")
    runner.queue_again(posting, PING.name, "published", cooldown=timedelta(minutes=5))
    assert Job.objects.get().state == "queued"

"""Row locks under real concurrency: these need PostgreSQL's SELECT ... FOR UPDATE."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django_fsm import ConcurrentTransition
from django_tasks_db.models import DBTaskResult

from tests.attempts import attempt_for
from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, session_id_from
from wizard.effects.email import Email
from wizard.jobs import runner
from wizard.jobs.kinds import JobKind, register
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, Status, StripeEvent, TransitionLog
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db(transaction=True)

RUN_JOB = "wizard.jobs.runner.run_job"


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency tests need PostgreSQL row locks; CI runs them with DATABASE_URL set"
        )


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
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)

    outcomes = run_at_once(8, lambda: fulfil(session_id, by=Actor.system()))

    assert sorted(o.value for o in outcomes) == ["already_paid"] * 7 + ["paid"]
    assert outcomes.count(FulfilOutcome.PAID) == 1
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert DBTaskResult.objects.count() == 1


def paid_at_stripe_with_event(client, fakestripe):
    from tests.conftest import stripe_api

    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    event = stripe_api().v1.events.list(params={"type": "checkout.session.completed"}).data[0]
    return posting, session_id, event.to_dict()


def deliver_and_process(client, event):
    """A delivery, then its processing in this thread, as a worker would run it at once."""
    from tests.integration.test_webhooks import deliver
    from wizard.models import StripeEvent

    status = deliver(client, event).status_code
    runner.run_now(StripeEvent.objects.get(event_id=event["id"]).job_id)
    return status


def test_ten_webhook_deliveries_and_the_return_url_at_once_pay_once(client, fakestripe, run_tasks):
    from django.test import Client

    from tests.integration.test_webhooks import deliver

    posting, session_id, event = paid_at_stripe_with_event(client, fakestripe)
    cookies = client.cookies

    def one_delivery():
        return deliver(Client(), event).status_code

    def return_url():
        browser = Client()
        browser.cookies = cookies
        return browser.get(
            f"/post/{posting.pk}/payment/return/?session_id={session_id}"
        ).status_code

    calls = [one_delivery] * 10 + [return_url]
    barrier_calls = iter(calls)
    lock = threading.Lock()

    def next_call():
        with lock:
            call = next(barrier_calls)
        return call()

    statuses = run_at_once(len(calls), next_call)

    assert sorted(statuses) == [200] * 10 + [302]
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    # Ten deliveries of one event: stored once, queued once.
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    job_id = StripeEvent.objects.get().job_id
    assert DBTaskResult.objects.filter(task_path=RUN_JOB, args_kwargs__args__0=job_id).count() == 1
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        run_tasks()
    assert StripeEvent.objects.get().state == "processed"
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert DBTaskResult.objects.filter(task_path=RUN_JOB).count() == 2  # and the email's


def test_two_workers_on_one_event_at_once_attempt_it_once(client, fakestripe):
    from tests.integration.test_webhooks import deliver

    posting, session_id, event = paid_at_stripe_with_event(client, fakestripe)
    assert deliver(client, event).status_code == 200
    stored = StripeEvent.objects.get()

    outcomes = run_at_once(4, lambda: runner.run_now(stored.job_id))

    assert sorted(outcomes) == ["done"] + ["nothing to do"] * 3
    stored.job.refresh_from_db()
    assert (stored.job.attempts, stored.job.state) == (1, "sent")
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1


class SlowKind(JobKind):
    """An effect whose provider takes a moment to answer, and counts its calls."""

    name = "test_slow"
    label = "Slow"
    calls = []

    def perform(self, effect):
        self.calls.append(effect.attempts)
        time.sleep(0.3)  # long enough for every other worker to try to claim it meanwhile
        return "slow-1"

    def is_permanent(self, exc):
        return False


SLOW = register(SlowKind())


def test_four_workers_on_one_effect_at_once_perform_it_once():
    """Two task rows can name one effect (a re-queue, a recovery): the runner's claim, a
    conditional update of the job's state, lets one of them perform it."""
    SLOW.calls = []
    posting = posting_at(Status.PAID)
    with transaction.atomic():
        effect = runner.queue(posting, SLOW.name, "published")

    outcomes = run_at_once(4, lambda: runner.run_now(effect.pk))

    assert sorted(outcomes) == ["done"] + ["nothing to do"] * 3
    assert SLOW.calls == [1]
    effect.refresh_from_db()
    assert (effect.state, effect.attempts, effect.provider_id) == ("sent", 1, "slow-1")


def test_a_webhook_and_an_employer_edit_at_once_have_one_winner_and_lose_nothing(
    client, fakestripe
):
    """The payment wins (Stripe already took the money); the edit is refused cleanly."""
    from django.test import Client

    from tests.conftest import VALID_DETAILS

    posting, session_id, event = paid_at_stripe_with_event(client, fakestripe)
    cookies = client.cookies

    def edit():
        browser = Client()
        browser.cookies = cookies
        response = browser.post(
            f"/post/{posting.pk}/details/", {**VALID_DETAILS, "title": "Edited"}
        )
        return ("edit", response.status_code, response.get("Location", ""))

    def webhook():
        return ("webhook", deliver_and_process(Client(), event), "")

    calls = iter([edit, webhook])
    lock = threading.Lock()

    def next_call():
        with lock:
            call = next(calls)
        return call()

    results = dict(
        (name, (status, location)) for name, status, location in run_at_once(2, next_call)
    )

    assert results["webhook"][0] == 200
    assert results["edit"] == (302, f"/post/{posting.pk}/confirmation/")
    posting.refresh_from_db()
    assert (posting.status, posting.title) == (Status.IN_REVIEW, "Senior Django Engineer")
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1


def test_two_recoveries_and_two_sweepers_at_once_do_everything_once(settings, fakestripe, client):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone

    from wizard.effects.email import queue_email
    from wizard.jobs.recovery import recover_stuck_work
    from wizard.maintenance.sweepers import sweep_abandoned_drafts

    settings.STUCK_AFTER_SECONDS = 60
    long_ago = timezone.now() - timedelta(days=30)
    for _ in range(3):  # confirmation emails whose worker died mid-send
        posting = posting_at(Status.PAID)
        attempt_for(posting, payment_intent_id=f"pi_{posting.pk.hex}")
        with transaction.atomic():
            record = queue_email(posting, Email.CONFIRMATION)
        Job.objects.filter(kind="email").filter(pk=record.pk).update(
            state="sending", started_at=long_ago
        )
    DBTaskResult.objects.all().delete()

    stale = []
    for index in range(2):  # drafts untouched for a month, one of them mid-checkout
        posting = posting_at(Status.READY_TO_PAY)
        name = default_storage.save(f"logos/{posting.pk}/old.png", ContentFile(b"png"))
        JobPosting.objects.filter(pk=posting.pk).update(logo=name)
        if index:
            own(client, posting)
            press_pay(client, posting)
        JobPosting.objects.filter(pk=posting.pk).update(updated_at=long_ago)
        stale.append((posting.pk, name))

    jobs = iter(
        [recover_stuck_work, recover_stuck_work, sweep_abandoned_drafts, sweep_abandoned_drafts]
    )
    lock = threading.Lock()

    def next_job():
        with lock:
            job = next(jobs)
        return job()

    run_at_once(4, next_job)

    assert Job.objects.filter(kind="email").filter(state="queued").count() == 3
    assert DBTaskResult.objects.filter(task_path="wizard.jobs.runner.run_job").count() == 3
    for posting_id, name in stale:
        assert JobPosting.objects.get(pk=posting_id).status == Status.ABANDONED
        assert TransitionLog.objects.filter(posting_id=posting_id, target="abandoned").count() == 1
        assert not default_storage.exists(name)


def test_staff_approval_an_employer_withdrawal_and_a_webhook_at_once_have_one_winner(
    client, fakestripe, run_tasks
):
    """Publication and refund exclude each other; the late webhook changes nothing."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django_fsm import TransitionNotAllowed

    from wizard.models import Refund
    from wizard.payments.refunds import NothingToRefund, refund
    from wizard.postings import review

    posting, session_id, event = paid_at_stripe_with_event(client, fakestripe)
    fulfil(session_id, by=Actor.system())
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        run_tasks()
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    staff = Actor.staff(User.objects.create_superuser("boss", "boss@example.com", "pw"))

    def approve():
        try:
            review.approve(posting.pk, by=staff)
            return "approved"
        except (TransitionNotAllowed, ConcurrentTransition):
            return "approve refused"

    def withdraw():
        try:
            # What the confirmation page's "Withdraw before review" does.
            refund(posting, Refund.Reason.WITHDRAWN, by=Actor.employer())
            return "withdrawn"
        except NothingToRefund:
            return "withdraw refused"

    def webhook():
        return f"webhook {deliver_and_process(Client(), event)}"

    calls = iter([approve, withdraw, webhook])
    lock = threading.Lock()

    def next_call():
        with lock:
            call = next(calls)
        return call()

    results = set(run_at_once(3, next_call))

    assert "webhook 200" in results
    final = JobPosting.objects.get()
    refunds = Refund.objects.all()
    if "approved" in results:
        assert results >= {"approved", "withdraw refused"}
        assert final.status == Status.PUBLISHED and not refunds.exists()
    else:
        assert results >= {"withdrawn", "approve refused"}
        assert final.status == Status.REFUNDED
        assert [r.state for r in refunds] == ["succeeded"]
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1


def test_ten_pay_presses_at_once_open_one_checkout_and_all_get_its_url(client, fakestripe):
    from django.test import Client

    from tests.integration.test_payment import pay_form

    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    cookie = client.cookies["sessionid"].value
    url = f"/post/{posting.pk}/payment/"

    def press():
        browser = Client()
        browser.cookies["sessionid"] = cookie  # the same employer, pressing again and again
        response = browser.post(url, pay_form(posting))
        return response.status_code, response.get("Location", "")

    presses = run_at_once(10, press)

    assert {status for status, _ in presses} == {302}, presses
    assert len({location for _, location in presses}) == 1
    sessions = stripe_api().v1.checkout.sessions.list().data
    assert len(sessions) == 1
    posting.refresh_from_db()
    assert posting.status == Status.AWAITING_PAYMENT
    assert posting.current_attempt.session_id == sessions[0].id


@pytest.mark.parametrize("edit_delay", [0.0, 0.01, 0.03, 0.06, 0.1, 0.2])
def test_pay_and_an_edit_at_once_never_open_a_checkout_for_the_old_content(
    client, fakestripe, edit_delay
):
    """Tab A presses Pay for what it shows while tab B saves a details edit, the edit
    landing at a spread of moments in Pay's reservation, create request and recording.
    Whatever the order, the edit is kept and no payable session is left for the old
    content."""
    from wizard.flow import edits
    from wizard.flow.order import FLOW
    from wizard.payments import checkout
    from wizard.payments.exceptions import ContentChanged

    posting = posting_at(Status.READY_TO_PAY, title="Old title")
    reviewed = posting.content_digest

    def pay():
        try:
            return checkout.start_checkout(
                posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
            )
        except ContentChanged:
            return "refused"

    def edit():
        seen = JobPosting.objects.get(pk=posting.pk)  # as the details POST loaded it
        time.sleep(edit_delay)

        def change(locked):
            locked.title = "New title"

        return edits.edit(FLOW, posting.pk, change, why="Details saved", seen=seen)

    barrier = threading.Barrier(2)
    results, errors = {}, []

    def worker(name, target):
        try:
            barrier.wait()
            results[name] = target()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=a) for a in (("pay", pay), ("edit", edit))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors

    fresh = JobPosting.objects.get()
    assert (fresh.title, fresh.status) == ("New title", Status.READY_TO_PAY)  # edit kept
    assert not fresh.has_checkout_open
    for session in stripe_api().v1.checkout.sessions.list().data:
        assert session.status == "expired"  # none left to pay for "Old title"
    for attempt in fresh.payment_attempts.all():
        assert attempt.state == "closed"

"""How fast one task worker (`manage.py db_worker`) drains its queue.

    python -m bench.drain COUNT CORE   # prints {"emails": {...}, "events": {...}}

Two queues, each drained by one worker process pinned to CORE, in the database of
DATABASE_URL (PostgreSQL in `make bench`):

- emails: COUNT paid postings, each with its confirmation email queued as the payment
  queues it (a Job and its task), already in review as the payment leaves them. The
  worker sends each through the configured mailer (the file mailer here,
  MAIL_FILE_PATH) and records it: what happens after every payment.
- events: COUNT checkout.session.completed events stored as the webhook view stores
  them (bench/__main__.py measures the view itself), for postings whose Checkout Session
  was really opened and paid at fakestripe. The worker's handler asks Stripe (fakestripe,
  started here) for the session, marks the posting paid and queues its email.

The rate is the tasks' own span in the task table (first started to last finished), so
the worker's start-up is not counted; the worker's wall time is reported too.
"""

import json
import logging
import os
import resource
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tasks_db.management.commands.db_worker import Worker  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from bench.measure import TRANSACTION_CONTROL  # noqa: E402
from bench.seed import DETAILS, _completed, paid  # noqa: E402
from wizard.effects.email import Email, queue_email  # noqa: E402
from wizard.jobs.models import Job  # noqa: E402
from wizard.payments import stripe_events, webhooks  # noqa: E402
from wizard.payments.checkout import start_checkout  # noqa: E402
from wizard.postings.models import JobPosting, Status  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RUN_JOB = "wizard.jobs.runner.run_job"  # every job's task: emails and Stripe events alike


def run_worker(core, log_path, label):
    """One worker, until the queue is empty (--batch); returns its wall time and the CPU
    time it used (user + system, start-up included). With
    BENCH_WORKER_PROFILE=DIR it runs under cProfile (wall clock: the worker waits on the
    database) and leaves DIR/LABEL.prof."""
    connection.close()  # the worker must see everything committed, and nothing held
    profile = os.environ.get("BENCH_WORKER_PROFILE")
    profiler = ["-m", "cProfile", "-o", f"{profile}/{label}.prof"] if profile else []
    started, cpu = time.perf_counter(), children_cpu()
    with open(log_path, "ab") as log:
        subprocess.run(
            [
                "taskset",
                "-c",
                str(core),
                sys.executable,
                *profiler,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return time.perf_counter() - started, children_cpu() - cpu


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def job_tasks(kind):
    """The task rows of the jobs of one kind."""
    jobs = Job.objects.filter(kind=kind).values_list("pk", flat=True)
    return DBTaskResult.objects.filter(task_path=RUN_JOB, args_kwargs__args__0__in=list(jobs))


def queries_per_task(kind):
    """The queries of one more task of the kind just drained, run by the worker's own loop
    in this process (polling and recording included)."""
    logging.getLogger("django.tasks").setLevel(logging.WARNING)  # no line per task here
    with CaptureQueriesContext(connection) as queries:
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=1,
            worker_id="bench-queries",
            excluded_queue_names=[],
        ).run()
    ran = job_tasks(kind).filter(worker_ids=["bench-queries"])
    assert ran.count() == 1, f"expected one {kind} job's task to run"
    sql = [query["sql"] for query in queries.captured_queries]
    control = [q for q in sql if q.split(" ", 1)[0].upper() in TRANSACTION_CONTROL]
    return len(sql) - len(control)


def task_rate(kind, expected):
    tasks = job_tasks(kind)
    succeeded = tasks.filter(status="SUCCESSFUL").count()
    if succeeded != expected:
        raise SystemExit(f"{kind}: {succeeded} of {expected} tasks succeeded")
    span = tasks.aggregate(first=Min("started_at"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    return {"count": expected, "seconds": round(seconds, 3), "per_second": expected / seconds}


def paid_postings(count):
    """`count` paid postings, in review with their confirmation email queued, as a payment
    leaves them."""
    now = django.utils.timezone.now()
    postings = JobPosting.objects.bulk_create(
        JobPosting(
            status=Status.IN_REVIEW,
            step_data=_completed("logo", "details"),
            paid_at=now,
            confirmed_at=now,
            **{**DETAILS, "contact_email": f"employer{number}@drain.example"},
        )
        for number in range(count)
    )
    paid(postings, now, session_id="")
    with transaction.atomic():
        for posting in postings:
            queue_email(posting, Email.CONFIRMATION)


def drain(label, kind, count, core, log_path, startup_cpu):
    """Drain the queue with one worker process: the rate of one kind's jobs, the worker's
    CPU a task."""
    wall, cpu = run_worker(core, log_path, label)
    return {
        **task_rate(kind, count),
        "worker_wall_seconds": round(wall, 3),
        "cpu_ms_per_task": round(1000 * (cpu - startup_cpu) / count, 2),
    }


def drain_emails(count, core, log_path, startup_cpu):
    paid_postings(count)
    result = drain("emails", "email", count, core, log_path, startup_cpu)
    sent = Job.objects.filter(name=Email.CONFIRMATION, state=Job.State.SENT).count()
    if sent != count:
        raise SystemExit(f"emails: {sent} sent of {count}")
    paid_postings(1)
    return {**result, "queries_per_task": queries_per_task("email")}


def paid_sessions(count):
    """`count` postings whose checkout was opened through the app and paid at fakestripe."""
    sessions = []
    for _ in range(count):
        posting = JobPosting.objects.create(
            status=Status.READY_TO_PAY, step_data=_completed("logo", "details"), **DETAILS
        )
        start_checkout(
            posting.pk,
            success_url=f"{settings.SITE_URL}/return",
            cancel_url=f"{settings.SITE_URL}/cancel",
            reviewed=posting.content_digest,
        )
        session_id = JobPosting.objects.get(pk=posting.pk).current_attempt.session_id
        request = urllib.request.Request(
            f"{settings.FAKESTRIPE_URL}/_fakestripe/checkout/{session_id}/complete",
            data=json.dumps({"payment_status": "paid"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            sessions.append(json.load(response))
    return sessions


def store_events(count):
    """`count` checkout.session.completed events for paid sessions, stored as the view does."""
    for session in paid_sessions(count):
        event = {
            "id": f"evt_drain_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": "checkout.session.completed",
            "data": {"object": session},
        }
        text = json.dumps(event)
        webhooks.receive(text, json.loads(text))


def drain_events(count, core, log_path, startup_cpu):
    store_events(count)
    # The worker processes the events first, then the emails their payments queued: the
    # events' rate is their own tasks' span; the worker's CPU is shared out over both.
    result = drain("events", stripe_events.KIND, count, core, log_path, startup_cpu)
    processed = Job.objects.filter(kind=stripe_events.KIND, state=Job.State.SENT).count()
    reviewed = JobPosting.objects.filter(status=Status.IN_REVIEW).exclude(
        current_attempt__session_id=""
    )
    if processed != count or reviewed.count() != count:
        raise SystemExit(f"events: {processed} processed, {reviewed.count()} paid of {count}")
    del result["cpu_ms_per_task"]
    store_events(1)
    return {**result, "queries_per_task": queries_per_task(stripe_events.KIND)}


def fakestripe():
    port = settings.FAKESTRIPE_URL.rsplit(":", 1)[1]
    return subprocess.Popen(
        [sys.executable, "-m", "fakestripe", "--port", port],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(url, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    count, core = int(sys.argv[1]), sys.argv[2]
    log_path = Path(os.environ.get("BENCH_WORKER_LOG", "/dev/null"))
    _, startup_cpu = run_worker(core, log_path, "startup")  # an empty queue: start-up only
    result = {"emails": drain_emails(count, core, log_path, startup_cpu)}
    stripe = fakestripe()
    try:
        wait_for(f"{settings.FAKESTRIPE_URL}/_fakestripe/health")
        result["events"] = drain_events(count, core, log_path, startup_cpu)
    finally:
        stripe.terminate()
        stripe.wait(10)
    print(json.dumps(result))

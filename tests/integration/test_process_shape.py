"""The production shape without compose: gunicorn with two workers, two task workers and
the scheduler, as real processes on one PostgreSQL database and one S3 bucket (moto), with
fakestripe and fakeproviders for the third parties. One posting is paid over HTTP; its
confirmation email is sent once, by one of the workers.

What compose.yaml adds on top (containers, MinIO, a release container) cannot run on our
machines: docs/deploying.md says so. DEBUG stays on here only because serving static files with
DEBUG off needs collectstatic's manifest; `check --deploy` covers the production settings.
"""

import json
import re
import sys
import time
from urllib.parse import urlparse

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.conftest import WEBHOOK_SECRET
from tests.emulator_process import free_port
from tests.factories import posting_at
from tests.processes import Processes, app_environment, database_url
from tests.s3 import DUMMY_CREDENTIALS, REGION, s3_server_fixture  # noqa: F401
from tests.s3 import make_client as s3_client
from wizard.flow.ownership import SESSION_KEY
from wizard.jobs.models import Job
from wizard.models import JobPosting, Status
from wizard.ops.models import Heartbeat
from wizard.providers.siteverify import field_name, fresh_test_token

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = ("worker-1", "worker-2")


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the production shape runs N workers on one database, which needs PostgreSQL "
            "(SKIP LOCKED, concurrent writers); CI runs it with DATABASE_URL set"
        )


@pytest.fixture
def bucket(s3_server):
    client = s3_client(s3_server.endpoint_url)
    name = f"shape-{int(time.time() * 1000)}"
    client.create_bucket(Bucket=name)
    yield name
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def shape(fakestripe, fakeproviders, s3_server, bucket, tmp_path):
    """Start the processes; yield (base URL, Processes, mail folder); kill them all."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    mail = tmp_path / "mail"
    env = app_environment(
        DATABASE_URL=database_url(),
        PORT=str(port),
        SITE_URL=base,
        ALLOWED_HOSTS="127.0.0.1",
        WEB_WORKERS="2",
        WEB_THREADS="2",
        LOG_FORMAT="json",
        MAINTENANCE_INTERVAL_SECONDS="1",
        FAKESTRIPE_URL=fakestripe.url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_MAX_NETWORK_RETRIES="0",
        FAKEPROVIDERS_URL=fakeproviders.url,
        AWS_STORAGE_BUCKET_NAME=bucket,
        AWS_S3_ENDPOINT_URL=s3_server.endpoint_url,
        AWS_S3_REGION_NAME=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        MAIL_BACKEND="file",
        MAIL_FILE_PATH=str(mail),
        VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        METRICS_TOKEN=METRICS_TOKEN,  # /health/ shows each check's result to the monitoring
        **DUMMY_CREDENTIALS,
    )
    fakestripe.configure(webhook_url=f"{base}/stripe/webhook/", webhook_secret=WEBHOOK_SECRET)
    processes = Processes(env, tmp_path)
    # The Procfile's commands, with shorter polling.
    processes.run(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"], name="web"
    )
    for worker_id in WORKERS:
        processes.start("db_worker", "--interval", "0.2", "--no-reload", "--worker-id", worker_id)
    processes.start("crontask", "--no-heartbeat")
    try:
        yield base, processes, mail
    finally:
        processes.kill_all()
        fakestripe.configure(webhook_url=None)


METRICS_TOKEN = "process-shape-metrics-token"


def wait_for(what, condition, processes, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    pytest.fail(f"waited {timeout}s for {what}\n{processes.output()}")


def healthy(base):
    try:
        response = requests.get(
            f"{base}/health/",
            headers={"Accept": "application/json", "Authorization": f"Bearer {METRICS_TOKEN}"},
        )
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_web_workers_and_scheduler_as_processes_pay_once_and_email_once(shape, fakestripe):
    base, processes, mail = shape
    # The web answers, every check passes: database, S3, queue age, the scheduler's beat.
    results = wait_for("a healthy /health/", lambda: healthy(base), processes, timeout=30)
    assert set(results.values()) == {"OK"}, results
    scheduler = processes.started[-1][0]
    assert Heartbeat.objects.get(name="scheduler").pid == scheduler.pid

    # An employer, whose browser session is in the shared database, pays over HTTP.
    posting = posting_at(Status.READY_TO_PAY)
    session = SessionStore()
    session[SESSION_KEY] = [str(posting.pk)]
    session.create()
    browser = requests.Session()
    browser.cookies.set(django_settings.SESSION_COOKIE_NAME, session.session_key)
    payment_page = f"{base}/post/{posting.pk}/payment/"
    assert browser.get(payment_page).status_code == 200
    pressed = browser.post(
        payment_page,
        data={
            "reviewed": posting.content_digest,
            # Solved on this site, for the payment form, as the page's own token is.
            field_name(): fresh_test_token(hostname="127.0.0.1", action="pay"),
        },
        headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        allow_redirects=False,
    )
    assert pressed.status_code == 302, pressed.text
    session_id = urlparse(pressed.headers["Location"]).path.rstrip("/").split("/")[-1]
    status, back_to_us = fakestripe.pay(session_id)  # fakestripe also sends the webhook
    assert status == 303 and back_to_us.startswith(base)
    assert browser.get(back_to_us).status_code == 200

    # The confirmation email: sent once, by one of the workers; the posting goes to review.
    wait_for(
        "the confirmation email to be sent",
        lambda: Job.objects.filter(
            posting=posting, kind="email", name="confirmation", state="sent"
        ).exists(),
        processes,
        timeout=15,
    )
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW
    email = Job.objects.get(posting=posting, kind="email", name="confirmation")
    assert (email.state, email.attempts) == ("sent", 1)
    sent = [path for path in mail.iterdir() if posting.contact_email in path.read_text()]
    assert len(sent) == 1
    runs = DBTaskResult.objects.filter(
        task_path="wizard.jobs.runner.run_job", args_kwargs__args=[email.pk]
    )
    (done,) = [run for run in runs if run.return_value == "done"]
    assert done.worker_ids[0] in WORKERS

    # Both workers take tasks from the one queue, and never the same row twice.
    wait_for(
        "both workers to have run tasks",
        lambda: (
            {
                worker
                for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)
                for worker in ids
            }
            >= set(WORKERS)
        ),
        processes,
        timeout=10,
    )
    assert all(len(ids) <= 1 for ids in DBTaskResult.objects.values_list("worker_ids", flat=True))

    # JSON log lines name the posting: in the web process and in the worker that sent it.
    web, *workers = (processes.log_of(process) for process, _ in processes.started[:3])
    web_lines = json_lines(web)
    assert len(re.findall(r"Booting worker with pid", web)) == 2
    paid = [line for line in web_lines if line.get("path") == f"/post/{posting.pk}/payment/"]
    assert {line["posting_id"] for line in paid} == {str(posting.pk)}
    email_done = [
        line
        for text in workers
        for line in json_lines(text)
        if line["message"].startswith(f"Job {email.pk} ")
    ]
    assert len(email_done) == 1 and email_done[0]["posting_id"] == str(posting.pk)
    assert email_done[0]["task_id"] == str(done.id)
    assert healthy(base), processes.output()

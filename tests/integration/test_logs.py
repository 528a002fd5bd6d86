"""Log lines name the posting they were written for: in a wizard request, in an effect run
by the worker, in a staff action; one JSON object per line, or readable text."""

import io
import json
import logging
import os

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.conftest import VALID_DETAILS, step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, session_id_from
from tests.integration.test_webhooks import deliver
from wizard.jobs import runner
from wizard.models import JobPosting, Status
from wizard.ops import logs
from wizard.payments.webhook_events import StripeEvent
from wizard.postings import logcontext

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Capture what the root logger writes, through the production handler's formatter and
    filter; returns a function giving the lines so far, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_wizard_request_logs_its_posting_on_every_line(client, json_lines, settings):
    settings.LOG_REQUESTS = True
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.post(step_url("details", posting), VALID_DETAILS)
    assert response.status_code == 302

    lines = json_lines()
    transition = next(line for line in lines if line["logger"] == "wizard.postings.transitions")
    assert transition["posting_id"] == str(posting.pk)
    saved = JobPosting.objects.get(pk=posting.pk)
    assert (transition["source"], transition["target"]) == ("logo_ready", saved.status)
    request_line = next(line for line in lines if line["logger"] == "wizard.request")
    assert request_line["status"] == 302 and request_line["method"] == "POST"
    assert {line["posting_id"] for line in lines} == {str(posting.pk)}
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}
    assert {line["level"] for line in lines} == {"INFO"}
    assert all(line["time"] and line["pid"] == os.getpid() for line in lines)


def test_the_request_id_comes_from_the_proxy_when_it_sends_a_sane_one(client, json_lines):
    assert client.get("/", HTTP_X_REQUEST_ID="lb-1234")["X-Request-ID"] == "lb-1234"
    made_up = client.get("/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert len(made_up) == 32 and "\n" not in made_up


def test_the_context_ends_with_the_request(client, json_lines):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.get(step_url("details", posting) + "nope/")  # a 404: logged by Django
    assert response.status_code == 404
    logging.getLogger("test").info("after the request")
    not_found, after = json_lines()[-2:]
    assert not_found["logger"] == "django.request"
    assert not_found["request_id"] == response["X-Request-ID"]
    assert (after["posting_id"], after["request_id"]) == (None, None)


def test_an_effect_run_by_the_worker_logs_its_posting_and_task(json_lines, run_tasks):
    posting = posting_at(Status.PAID)
    with transaction.atomic():
        effect = runner.queue(posting, "email", "confirmation")
    run_tasks()
    effect.refresh_from_db()
    assert effect.state == "sent"

    lines = json_lines()
    done = next(line for line in lines if line["message"].startswith(f"Job {effect.pk} "))
    assert done["logger"] == "wizard.jobs.runner"
    assert done["posting_id"] == str(posting.pk)
    run = DBTaskResult.objects.get(task_path="wizard.jobs.runner.run_job")
    assert done["task_id"] == str(run.id)
    logging.getLogger("test").info("after the task")
    assert (json_lines()[-1]["posting_id"], json_lines()[-1]["task_id"]) == (None, None)


def test_a_stripe_event_run_by_the_worker_logs_its_posting(
    client, fakestripe, json_lines, run_tasks
):
    """The event's job belongs to no posting; its lines name the posting the event names,
    the runner's own "done" line included."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    fakestripe.pay(session_id_from(press_pay(client, posting)))
    (event,) = stripe_api().v1.events.list(params={"type": "checkout.session.completed"}).data
    assert deliver(client, event.to_dict()).status_code == 200
    job = StripeEvent.objects.get().job
    run_tasks()

    job.refresh_from_db()
    assert job.state == "sent" and job.posting_id is None
    done = next(line for line in json_lines() if line["message"].startswith(f"Job {job.pk} "))
    assert "done at attempt 1" in done["message"]
    assert done["posting_id"] == str(posting.pk)
    logging.getLogger("test").info("after the task")
    assert json_lines()[-1]["posting_id"] is None


def test_a_staff_approval_logs_its_posting(admin_client, json_lines):
    posting = posting_at(Status.IN_REVIEW)
    response = admin_client.post(f"/admin/wizard/jobposting/{posting.pk}/transition/approve/")
    assert response.status_code == 302
    approved = next(line for line in json_lines() if line.get("transition") == "approve")
    assert approved["posting_id"] == str(posting.pk) and approved["actor"] == "staff"


def test_an_exception_is_one_json_line(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("test").exception("it failed")
    (line,) = json_lines()
    assert line["message"] == "it failed" and "ValueError: boom" in line["exc_info"]


def test_the_readable_format_names_the_posting():
    record = logging.LogRecord("wizard", logging.INFO, __file__, 1, "hello", None, None)
    with logcontext.posting_context("abc"):
        logs.ContextFilter().filter(record)
    text = logging.Formatter(logs.TEXT_FORMAT, style="{").format(record)
    assert text.endswith("INFO wizard [posting=abc]: hello")


@pytest.mark.parametrize(
    "environ, json_logs",
    [
        ({}, True),  # DEBUG defaults to off: JSON
        ({"DEBUG": "true"}, False),
        ({"DEBUG": "false"}, True),
        ({"DEBUG": "false", "LOG_FORMAT": "text"}, False),
        ({"LOG_FORMAT": "JSON"}, True),
    ],
)
def test_log_format_follows_log_format_then_debug(environ, json_logs):
    assert logs.json_wanted(environ) is json_logs


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or text"):
        logs.json_wanted({"LOG_FORMAT": "xml"})

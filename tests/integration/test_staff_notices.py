"""Staff are told (wizard.jobs.staff_alert, wizard.ops.watch): a job failing for good, a
failing provider, a paid posting not in review, money differences; by email and webhook,
each a job, one digest per channel per window; and the employer is not blamed for ours."""

from datetime import timedelta
from unittest import mock

import pytest
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.attempts import paid_as_recorded
from tests.factories import own, posting_at
from tests.integration.test_effects import PING
from tests.integration.test_metrics import scrape
from tests.integration.test_reconcile import orphaned_payment
from tests.mailers import ScriptedESP
from tests.webhook_sink import WebhookSink
from wizard.effects.email import EmailKind
from wizard.jobs import staff_alert
from wizard.jobs.models import Job, StaffNotice
from wizard.jobs.runner import run_job
from wizard.models import Status
from wizard.ops import watch
from wizard.tasks import reconcile_payments

pytestmark = pytest.mark.django_db

STAFF = ["ops@example.com"]
TEST_ESP = {"default": {"BACKEND": "tests.mailers.ScriptedESP"}}


@pytest.fixture(autouse=True)
def staff(settings):
    settings.STAFF_ALERT_EMAILS = STAFF
    settings.STAFF_ALERT_WEBHOOK_URL = ""
    settings.EFFECT_RETRY_BASE_SECONDS = 0  # retries are due at once
    ScriptedESP.script = []
    PING.script = []


@pytest.fixture
def webhook(settings):
    with WebhookSink() as sink:
        settings.STAFF_ALERT_WEBHOOK_URL = sink.url
        yield sink


def staff_mail():
    return [message for message in mail.outbox if message.to == STAFF]


def notices():
    return list(StaffNotice.objects.values_list("name", flat=True))


def queue_ping(name):
    with transaction.atomic():
        return staff_alert.runner.queue(None, PING.name, name)


# --- What raises a notice -------------------------------------------------------


def test_a_job_failing_for_good_tells_staff_once(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 3
    PING.script = [RuntimeError("boom")] * 3
    job = queue_ping("doomed")
    run_tasks()
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 3)
    assert notices() == [f"job:{job.pk}:failed:3"]
    [message] = staff_mail()
    assert "Ping failed: doomed" in message.subject
    assert "failed for good after 3 attempt(s)" in message.body
    assert "RuntimeError: boom" in message.body
    assert f"/admin/wizard/job/{job.pk}/change/" in message.body


@override_settings(MAILERS=TEST_ESP)
def test_a_bounce_tells_staff_too(run_tasks):
    posting = paid_as_recorded()
    run_tasks()
    receipt = Job.objects.get(kind="email")
    from wizard.jobs import runner

    runner.report_outcome(receipt.provider_id, delivered=False, detail="postmark: bounced")
    run_tasks()
    assert notices() == [f"job:{receipt.pk}:bounced:1"]
    [message] = staff_mail()
    assert "bounced" in message.body and f"/admin/wizard/jobposting/{posting.pk}/" in message.body


@override_settings(MAILERS=TEST_ESP)
def test_the_channels_own_failure_raises_no_notice(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 2
    ScriptedESP.script = [422, 500, 500]  # the receipt refused; both attempts of the notice
    paid_as_recorded()
    run_tasks()
    digest = Job.objects.get(kind=staff_alert.KIND)
    assert (digest.state, digest.attempts) == ("failed", 2)
    assert StaffNotice.objects.count() == 1  # the receipt's; none for the notice's own job


def test_a_failing_provider_is_one_notice_with_its_count_and_last_error(run_tasks, settings):
    settings.PROVIDER_FAILURE_ALERT_COUNT = 5
    settings.EFFECT_MAX_ATTEMPTS = 10
    PING.script = [ConnectionError(f"down {n}") for n in range(1, 4)]
    queue_ping("a")
    run_tasks()  # three failed attempts, then success: not yet many
    assert notices() == []
    PING.script = [ConnectionError(f"down {n}") for n in range(4, 8)]
    queue_ping("b")
    run_tasks()  # four more: seven in the window
    [name] = notices()
    assert name.startswith("provider:test_ping:failing:")
    [message] = staff_mail()
    assert "test_ping is failing: 5 failed attempts in 10 min" in message.subject
    assert "The last: Ping: b: ConnectionError: down 5" in message.body


def test_a_paid_posting_not_in_review_tells_staff_once(run_tasks, settings):
    settings.PAID_NOT_IN_REVIEW_ALERT_MINUTES = 15
    stuck = posting_at(Status.PAID, paid_at=timezone.now() - timedelta(minutes=16))
    posting_at(Status.PAID, paid_at=timezone.now() - timedelta(minutes=5))  # not yet
    posting_at(Status.IN_REVIEW, paid_at=timezone.now() - timedelta(hours=1))  # as it should
    assert watch.paid_postings_not_in_review() == [stuck.pk]
    watch.paid_postings_not_in_review()  # the next run
    assert notices() == ["paid_not_in_review"]
    run_tasks()
    [message] = staff_mail()
    assert "Paid, not in review" in message.subject
    assert f"/admin/wizard/jobposting/{stuck.pk}/change/" in message.body


def test_an_orphaned_payment_is_a_metric_and_a_notice(client, fakestripe, settings, run_tasks):
    settings.METRICS_TOKEN = "s3cret"
    settings.MONEY_DIFFERENCE_ALERT_THRESHOLD = 2
    first = orphaned_payment(fakestripe)
    reconcile_payments.call()
    metrics = scrape(client)
    assert metrics[("jobwizard_money_differences", (("kind", "orphaned_payment"),))] == 1
    assert metrics[("jobwizard_money_differences", (("kind", "refund_not_at_stripe"),))] == 0
    assert notices() == []  # under the threshold

    second = orphaned_payment(fakestripe)
    reconcile_payments.call()
    reconcile_payments.call()  # found again: told once
    assert scrape(client)[("jobwizard_money_differences", (("kind", "orphaned_payment"),))] == 2
    assert sorted(notices()) == sorted(
        [f"money:orphaned_payment:{first.id}", f"money:orphaned_payment:{second.id}"]
    )
    run_tasks()
    [message] = staff_mail()
    assert "2 staff notices" in message.subject
    assert first.id in message.body and second.id in message.body


def test_a_notice_that_cannot_be_raised_never_loses_the_failure(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 1
    PING.script = [RuntimeError("boom")]
    job = queue_ping("unlucky")
    with mock.patch.object(staff_alert, "alert", side_effect=RuntimeError("alerts broken")):
        run_tasks()
    job.refresh_from_db()
    assert (job.state, job.last_error) == ("failed", "RuntimeError: boom")


def test_an_alert_queued_by_the_release_before_digests_is_still_sent(run_tasks):
    with transaction.atomic():
        staff_alert.runner.queue(
            None, staff_alert.KIND, "dispute:dp_1:opened", {"subject": "Old", "body": "As was."}
        )
    run_tasks()
    [message] = staff_mail()
    assert (message.subject, message.body) == ("Old", "As was.")


# --- Channels and digests --------------------------------------------------------


def test_alerts_in_one_window_go_in_one_digest_and_the_next_after_it(run_tasks):
    with transaction.atomic():
        for n in (1, 2, 3):
            staff_alert.alert(None, f"test:{n}", f"Thing {n}", f"Details of {n}.")
    run_tasks()
    [digest] = staff_mail()
    assert digest.subject == "3 staff notices: Thing 1, …"
    assert all(f"Details of {n}." in digest.body for n in (1, 2, 3))

    with transaction.atomic():
        staff_alert.alert(None, "test:4", "Thing 4", "Details of 4.")
    with transaction.atomic():
        staff_alert.alert(None, "test:5", "Thing 5", "Details of 5.")
    run_tasks()
    assert len(staff_mail()) == 1  # the window's one message went out already
    first, later = Job.objects.filter(kind=staff_alert.KIND).order_by("pk")
    window = timedelta(minutes=15)
    assert later.next_attempt_at - first.queued_at <= window  # due at the window's end
    assert later.next_attempt_at > timezone.now()

    # The window ends.
    DBTaskResult.objects.filter(task_path=run_job.module_path, status="READY").update(
        run_after=timezone.now()
    )
    run_tasks()
    assert len(staff_mail()) == 2
    digest = staff_mail()[1]
    assert digest.subject == "2 staff notices: Thing 4, …"
    assert "Details of 4." in digest.body and "Details of 5." in digest.body
    assert "Details of 1." not in digest.body  # none sent twice


def test_text_a_visitor_typed_mentions_no_one_on_the_webhook(run_tasks, webhook):
    with transaction.atomic():
        staff_alert.alert(None, "test:hostile", "Paid, not in review: <!channel> & co", "x")
    run_tasks()
    [posted] = webhook.received
    assert posted["text"].startswith("Paid, not in review: &lt;!channel&gt; &amp; co")


def test_a_digest_staff_ran_early_leaves_new_notices_a_later_one(run_tasks):
    for n in (1, 2):
        with transaction.atomic():
            staff_alert.alert(None, f"test:{n}", f"Thing {n}", f"Details of {n}.")
        run_tasks()  # the first at once; the second waits for the next window
    assert len(staff_mail()) == 1
    later = Job.objects.filter(kind=staff_alert.KIND).latest("pk")
    staff_alert.runner.retry(Job.objects.filter(pk=later.pk))  # "run again", before its time
    run_tasks()
    assert len(staff_mail()) == 2
    with transaction.atomic():
        notice = staff_alert.alert(None, "test:3", "Thing 3", "Details of 3.")
    assert notice.email_digest.state == "queued" and notice.email_digest.pk > later.pk


def test_the_webhook_channel_gets_slack_compatible_json(run_tasks, webhook):
    webhook.script = [503]  # retried, like any job
    with transaction.atomic():
        staff_alert.alert(None, "test:hook", "Something to look at", "Details.")
    run_tasks()
    [posted] = webhook.received
    assert posted == {"text": "Something to look at\n\nDetails."}
    job = Job.objects.get(kind=staff_alert.WEBHOOK_KIND)
    assert (job.state, job.attempts) == ("sent", 2)
    assert job.target == webhook.url.split("/")[2]  # the host: the path holds the secret
    assert len(staff_mail()) == 1  # and the email channel too


def test_an_unreachable_webhook_is_retried_and_its_secret_never_recorded(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 2
    with WebhookSink() as sink:
        settings.STAFF_ALERT_WEBHOOK_URL = sink.url.replace("/hooks/", "/T000/B000/s3cret/")
    # The sink is gone: nothing answers at its address.
    with transaction.atomic():
        staff_alert.alert(None, "test:gone", "Something to look at", "Details.")
    run_tasks()
    job = Job.objects.get(kind=staff_alert.WEBHOOK_KIND)
    assert (job.state, job.attempts) == ("failed", 2)
    assert "WebhookUnreachable: ConnectionError" in job.last_error
    assert "s3cret" not in job.last_error + job.target


def test_with_a_webhook_and_no_one_to_email_the_webhook_alone_is_told(run_tasks, webhook, settings):
    settings.STAFF_ALERT_EMAILS = []  # and no staff user may refund
    with transaction.atomic():
        staff_alert.alert(None, "test:hook-only", "Something to look at", "Details.")
    run_tasks()
    assert len(webhook.received) == 1
    assert not Job.objects.filter(kind=staff_alert.KIND).exists()  # no email job to fail


@override_settings(MAILERS=TEST_ESP)
def test_with_the_esp_broken_staff_hear_through_the_webhook(client, run_tasks, webhook, settings):
    settings.EFFECT_MAX_ATTEMPTS = 2
    ScriptedESP.script = [401] * 10  # our ESP token is wrong: every email fails
    posting = paid_as_recorded()
    run_tasks()
    receipt = Job.objects.get(kind="email")
    assert receipt.state == "failed"
    email_digest = Job.objects.get(kind=staff_alert.KIND)
    assert email_digest.state == "failed"
    [posted] = webhook.received
    assert "Email failed: confirmation" in posted["text"]
    assert "401" in posted["text"]
    assert f"/admin/wizard/jobposting/{posting.pk}/change/" in posted["text"]
    posting.refresh_from_db()
    assert "a problem on our side" in posting.last_error_message
    assert "check the address" not in posting.last_error_message
    own(client, posting)
    page = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert "a problem on our side" in page and "Check your email address" not in page


# --- The employer is not blamed for our configuration ---------------------------


def test_the_employer_is_asked_to_check_the_address_only_when_it_was_refused():
    kind, job = EmailKind(), Job(target="hiring@acme.example")
    ours = [
        AnymailAPIError("Unauthorized", status_code=401),
        AnymailAPIError("Sender signature not confirmed", status_code=422),
        AnymailAPIError("Service unavailable", status_code=503),
        ConnectionError("the ESP is down"),
    ]
    for exc in ours:
        message = kind.failure_message(job, exc)
        assert "on our side" in message and "check the address" not in message
    theirs = [AnymailRecipientsRefused("refused"), None]  # None: a bounce, reported later
    for exc in theirs:
        message = kind.failure_message(job, exc)
        assert "hiring@acme.example" in message and "check the address" in message

"""Review does not wait on the receipt: a paid posting goes to review as its payment is
recorded, whatever becomes of the confirmation email. A receipt that fails or bounces is
its own reason for staff's attention, and the employer is asked for a correct address."""

from datetime import timedelta

import pytest
from anymail.exceptions import AnymailRecipientsRefused
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.attempts import paid_as_recorded
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from tests.mailers import ScriptedESP
from wizard.effects.email import Email
from wizard.jobs import runner
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.models import Actor, JobPosting, Status, TransitionLog
from wizard.postings import review

pytestmark = pytest.mark.django_db

TEST_ESP = {"default": {"BACKEND": "tests.mailers.ScriptedESP"}}


@pytest.fixture(autouse=True)
def fresh_script():
    ScriptedESP.script = []


def receipt_of(posting):
    return Job.objects.get(posting=posting, kind="email", name=Email.CONFIRMATION)


def test_paying_puts_the_posting_in_review_at_once_with_a_log_entry_per_status(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    pay_and_return(client, posting, fakestripe)

    posting = JobPosting.objects.get(pk=posting.pk)
    assert posting.status == Status.IN_REVIEW
    assert list(JobPosting.objects.in_review()) == [posting]
    assert receipt_of(posting).state == Job.State.QUEUED  # no worker has run yet
    log = TransitionLog.objects.filter(posting=posting).values_list("transition", "target")
    assert list(log)[-3:] == [
        ("mark_paid", "paid"),
        ("confirm", "confirmed"),
        ("submit_for_review", "in_review"),
    ]

    page = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert "Payment received" in page and "Your posting is in review" in page
    assert "Withdraw before review" in page  # a refund before review still works


def test_the_employer_may_withdraw_for_a_refund_before_the_receipt_goes_out(
    client, fakestripe, run_tasks
):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    assert receipt_of(posting).state == Job.State.QUEUED

    client.post(f"/post/{posting.pk}/confirmation/", {"withdraw": "confirmed"})

    assert JobPosting.objects.get(pk=posting.pk).status == Status.REFUNDED
    run_tasks()
    sent = Job.objects.filter(posting=posting, kind="email", state=Job.State.SENT)
    assert set(sent.values_list("name", flat=True)) == {Email.CONFIRMATION, Email.REFUNDED}
    assert len(mail.outbox) == 2  # the receipt still goes out, and the refund's email


@override_settings(MAILERS=TEST_ESP)
def test_a_refused_receipt_leaves_the_posting_in_review_and_staff_can_approve_it(
    admin_client, run_tasks
):
    ScriptedESP.script = [422]  # the ESP refuses the address for good
    posting = paid_as_recorded()
    run_tasks()

    assert receipt_of(posting).state == Job.State.FAILED
    posting = JobPosting.objects.with_attention().get(pk=posting.pk)
    assert posting.status == Status.IN_REVIEW
    assert posting.attention_receipt and not posting.attention_stuck
    flagged = admin_client.get("/admin/wizard/jobposting/", {"attention": "receipt"})
    assert list(flagged.context["cl"].result_list) == [posting]
    assert "Receipt not delivered" in admin_client.get("/admin/wizard/jobposting/").content.decode()

    review.approve(posting.pk, by=Actor.system())
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED


def test_a_receipt_under_way_or_delivered_is_no_reason_for_attention(run_tasks):
    posting = paid_as_recorded()
    assert not JobPosting.objects.with_attention().get().attention_receipt
    run_tasks()
    assert receipt_of(posting).state == Job.State.SENT
    assert not JobPosting.objects.with_attention().get().attention_receipt


@override_settings(MAILERS=TEST_ESP)
def test_the_employer_is_told_and_asked_for_a_correct_address(client, run_tasks):
    ScriptedESP.script = [AnymailRecipientsRefused("The recipient was refused.")]
    posting = paid_as_recorded()
    own(client, posting)
    run_tasks()

    page = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert "Your job is in review" in page
    assert "We could not email your receipt" in page
    assert "We could not send your receipt to hiring@acme.example." in page
    assert "Check your email address below and send the receipt again." in page
    assert 'name="contact_email"' in page and 'value="hiring@acme.example"' in page
    assert "button--primary" in page  # sending again is what to do next
    assert "We emailed a receipt" not in page

    client.post(f"/post/{posting.pk}/confirmation/", {"contact_email": "right@acme.example"})
    run_tasks()
    assert mail.outbox[-1].to == ["right@acme.example"]
    page = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert "We could not email your receipt" not in page
    assert "We emailed a receipt to <strong>right@acme.example</strong>" in page
    assert JobPosting.objects.get(pk=posting.pk).last_error_message == ""


def test_a_bounced_receipt_says_the_mail_server_refused_it(client, run_tasks):
    posting = paid_as_recorded()
    own(client, posting)
    run_tasks()
    Job.objects.filter(pk=receipt_of(posting).pk).update(provider_id="msg-1")  # the ESP's id
    runner.report_outcome("msg-1", delivered=False, detail="postmark reported bounced")

    assert JobPosting.objects.with_attention().get().attention_receipt
    page = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert "We could not email your receipt" in page
    assert "The mail server for hiring@acme.example refused the email with your receipt." in page
    assert JobPosting.objects.get().status == Status.IN_REVIEW


def test_the_ledger_never_shows_a_bounced_receipt_as_if_all_were_well(client, settings, run_tasks):
    """Even with delivery reports off (a bounce reported all the same), the ledger says the
    receipt was refused, not only "sent ✓"."""
    settings.EMAIL_DELIVERY_REPORTS = False
    posting = paid_as_recorded()
    own(client, posting)
    run_tasks()
    Job.objects.filter(pk=receipt_of(posting).pk).update(provider_id="msg-2")
    runner.report_outcome("msg-2", delivered=False, detail="postmark reported bounced")

    page = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert "Confirmation email delivered" in page
    assert "The mail server for hiring@acme.example refused our email." in page


# --- Postings an older release left in `paid` ------------------------------------------


def left_paid(**fields):
    """Paid under the release that held postings in `paid` until the receipt went out."""
    return posting_at(
        Status.PAID,
        paid_at=timezone.now() - timedelta(hours=2),
        checkout_session_id="cs_old",
        payment_intent_id="pi_old",
        **fields,
    )


def test_the_recovery_submits_a_posting_left_paid_and_sends_no_second_receipt(settings):
    settings.STUCK_AFTER_SECONDS = 600
    posting = left_paid()
    with transaction.atomic():
        runner.queue(posting, "email", Email.CONFIRMATION)
    Job.objects.filter(posting=posting).update(state=Job.State.SENT)

    repaired = recover_stuck_work()

    assert repaired == [f"posting {posting.pk} was left paid; submitted for review"]
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    log = TransitionLog.objects.values_list("transition", "actor")
    assert list(log) == [("confirm", "system"), ("submit_for_review", "system")]
    assert receipt_of(posting).state == Job.State.SENT  # not queued again
    assert recover_stuck_work() == []  # nothing left to repair


def test_the_recovery_queues_the_receipt_a_posting_left_paid_never_had(settings, run_tasks):
    settings.STUCK_AFTER_SECONDS = 600
    posting = left_paid()

    assert recover_stuck_work() == [
        f"posting {posting.pk} was left paid; submitted for review "
        "and its confirmation email queued"
    ]
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    run_tasks()
    assert receipt_of(posting).state == Job.State.SENT
    assert len(mail.outbox) == 1


def test_the_recovery_leaves_a_posting_paid_moments_ago_alone(settings):
    settings.STUCK_AFTER_SECONDS = 600
    posting = posting_at(Status.PAID, paid_at=timezone.now())
    assert recover_stuck_work() == []
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PAID

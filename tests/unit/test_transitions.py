"""The model refuses every status change the wizard would never offer, and logs the rest."""

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from tests.factories import posting_at
from wizard.flow.order import FLOW
from wizard.models import Actor, JobPosting, Status, TransitionLog

pytestmark = pytest.mark.django_db

EMPLOYER = Actor.employer()


def apply(posting, method, **kwargs):
    with transaction.atomic():
        getattr(posting, method)(by=EMPLOYER, why="test", **kwargs)
        posting.save()


def test_the_happy_path_moves_through_every_state_in_order():
    posting = posting_at(Status.DRAFT)
    apply(posting, "advance_wizard", to="logo_ready")
    for step in FLOW.before_payment(posting):  # the payment guard asks the flow
        step.fill_in(posting)
    apply(posting, "advance_wizard", to=Status.READY_TO_PAY)
    apply(posting, "open_checkout")
    apply(posting, "mark_paid")  # and so to review, at once
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    assert posting.paid_at and posting.confirmed_at
    assert list(TransitionLog.objects.values_list("source", "target")) == [
        ("draft", "logo_ready"),
        ("logo_ready", "ready_to_pay"),
        ("ready_to_pay", "awaiting_payment"),
        ("awaiting_payment", "paid"),
        ("paid", "confirmed"),
        ("confirmed", "in_review"),
    ]


@pytest.mark.parametrize(
    "status,method,kwargs",
    [
        (Status.DRAFT, "advance_wizard", {"to": Status.PAID}),
        (Status.DRAFT, "advance_wizard", {"to": Status.AWAITING_PAYMENT}),
        (Status.AWAITING_PAYMENT, "advance_wizard", {"to": "logo_ready"}),
        (Status.DRAFT, "open_checkout", {}),
        (Status.DRAFT, "mark_paid", {}),
        ("logo_ready", "mark_paid", {}),
        (Status.READY_TO_PAY, "mark_paid", {}),
        (Status.READY_TO_PAY, "confirm", {}),
        (Status.AWAITING_PAYMENT, "confirm", {}),
        (Status.PAID, "advance_wizard", {"to": "logo_ready"}),
        (Status.ABANDONED, "advance_wizard", {"to": "logo_ready"}),
        (Status.PAID, "close_checkout", {}),
        (Status.CONFIRMED, "mark_paid", {}),
        # A delayed payment processing: only its outcome moves it (paid, or failed).
        (Status.READY_TO_PAY, "start_processing", {}),
        (Status.PAYMENT_PROCESSING, "advance_wizard", {"to": "logo_ready"}),
        (Status.PAYMENT_PROCESSING, "abandon", {}),
        (Status.PAYMENT_PROCESSING, "close_checkout", {}),
        (Status.PAYMENT_PROCESSING, "open_checkout", {}),
        (Status.PAYMENT_PROCESSING, "mark_refunded", {}),
        (Status.READY_TO_PAY, "fail_payment", {}),
    ],
)
def test_skipping_a_step_is_refused_and_changes_nothing(status, method, kwargs):
    posting = posting_at(status)
    with pytest.raises(TransitionNotAllowed):
        apply(posting, method, **kwargs)
    posting.refresh_from_db()
    assert posting.status == status
    assert not TransitionLog.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, "logo_ready", "details_ready"])
def test_checkout_needs_every_step_before_payment(status):
    posting = posting_at(status)
    with pytest.raises(TransitionNotAllowed):
        apply(posting, "open_checkout")


def test_status_cannot_be_assigned_directly():
    posting = posting_at(Status.DRAFT)
    with pytest.raises(AttributeError):
        posting.status = Status.PAID


def test_the_log_records_who_and_why():
    posting = posting_at(Status.AWAITING_PAYMENT)
    with transaction.atomic():
        posting.mark_paid(by=Actor.system(), why="Webhook said so")
        posting.save()
    entry = TransitionLog.objects.first()
    assert (entry.posting_id, entry.transition, entry.actor, entry.user, entry.reason) == (
        posting.pk,
        "mark_paid",
        "system",
        None,
        "Webhook said so",
    )
    assert entry.at is not None


def test_a_transition_outside_a_transaction_is_refused(transactional_db):
    posting = posting_at(Status.DRAFT)
    with pytest.raises(RuntimeError, match="atomic"):
        posting.advance_wizard(to="logo_ready", by=EMPLOYER, why="no transaction")
    assert JobPosting.objects.get().status == Status.DRAFT
    assert not TransitionLog.objects.exists()


def test_a_stale_copy_cannot_overwrite_a_newer_transition():
    posting = posting_at(Status.AWAITING_PAYMENT)
    stale = JobPosting.objects.get(pk=posting.pk)
    apply(posting, "mark_paid")
    with pytest.raises(ConcurrentTransition):
        apply(stale, "close_checkout")
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    assert TransitionLog.objects.count() == 3  # paid, confirmed, in review


def test_a_transition_with_subscribers_outside_a_transaction_queues_nothing(transactional_db):
    from wizard.jobs.models import Job

    posting = posting_at(Status.AWAITING_PAYMENT)
    with pytest.raises(RuntimeError, match="atomic"):
        posting.mark_paid(by=EMPLOYER, why="no transaction")
    assert not Job.objects.exists()  # the confirmation email was never queued
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_each_lifecycle_event_is_announced_once_by_its_transition():
    from django.dispatch import receiver

    from wizard.postings import events

    heard = []

    @receiver(events.paid, weak=False)
    def listen(sender, posting, by, why, source, **kwargs):
        heard.append((posting.pk, by.kind, why, source))

    try:
        posting = posting_at(Status.AWAITING_PAYMENT)
        apply(posting, "mark_paid")
    finally:
        events.paid.disconnect(listen)
    assert heard == [(posting.pk, "employer", "test", "awaiting_payment")]


def test_a_delayed_payment_processes_then_pays_or_fails():
    posting = posting_at(Status.AWAITING_PAYMENT)
    apply(posting, "start_processing")
    posting = JobPosting.objects.get(pk=posting.pk)
    assert posting.is_payment_processing and not posting.is_editable
    assert not posting.is_paid and not posting.is_before_payment
    apply(posting, "mark_paid")
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW

    failing = posting_at(Status.AWAITING_PAYMENT)
    apply(failing, "start_processing")
    apply(failing, "fail_payment")
    failing = JobPosting.objects.get(pk=failing.pk)
    assert failing.status == Status.READY_TO_PAY and failing.is_editable
    assert list(failing.transitions.values_list("transition", flat=True)) == [
        "start_processing",
        "fail_payment",
    ]

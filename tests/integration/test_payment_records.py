"""The PaymentAttempt is the payment: the posting points at its current one, copies none of
its fields, and still serves the previous release's processes during a rolling upgrade."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.attempts import attempt_for
from tests.conftest import step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, return_path, session_id_from
from tests.integration.test_query_budget import HTMX, data_queries
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, Status
from wizard.payments import refunds
from wizard.payments.checkout import _create_session, release_checkout
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db

# The posting's columns the previous release reads.
MIRROR = [
    "payment_attempt",
    "price_amount",
    "price_currency",
    "checkout_session_id",
    "payment_intent_id",
]


@pytest.fixture
def posting(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def mirror_of(posting):
    """The previous release's copy of the current attempt, as the database has it."""
    return JobPosting.objects.values(*MIRROR).get(pk=posting.pk)


def copy_of(attempt):
    return {
        "payment_attempt": attempt.number,
        "price_amount": attempt.amount,
        "price_currency": attempt.currency,
        "checkout_session_id": attempt.session_id,
        "payment_intent_id": attempt.payment_intent_id,
    }


def scramble_mirror(posting):
    JobPosting.objects.filter(pk=posting.pk).update(
        payment_attempt=7,
        price_amount=1,
        price_currency="xxx",
        checkout_session_id="cs_bogus",
        payment_intent_id="pi_bogus",
    )


def test_the_previous_releases_copy_follows_the_current_attempt(client, posting, fakestripe):
    first = session_id_from(press_pay(client, posting))
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    assert mirror_of(posting) == copy_of(attempt) and attempt.session_id == first

    fakestripe.pay(first)
    fulfil(first, by=Actor.system())
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    assert attempt.payment_intent_id.startswith("pi_") and attempt.paid_at
    assert mirror_of(posting) == copy_of(attempt)


def test_nothing_reads_the_previous_releases_copy(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    scramble_mirror(posting)
    status, location = fakestripe.pay(session_id)
    client.get(return_path(location))
    paid = JobPosting.objects.get(pk=posting.pk)
    assert paid.status == Status.IN_REVIEW  # paid, and so in review
    assert not Refund.objects.exists()  # the payment was not taken for a superseded one

    scramble_mirror(posting)
    record = refunds.refund(paid, Refund.Reason.STAFF, by=Actor.system())
    attempt = paid.current_attempt
    assert (record.payment_intent_id, record.checkout_session_id) == (
        attempt.payment_intent_id,
        session_id,
    )
    assert (record.amount, record.currency, record.state) == (9900, "usd", "succeeded")
    assert JobPosting.objects.get(pk=posting.pk).status == Status.REFUNDED


def test_a_page_reads_the_posting_and_its_payment_in_one_query(client, posting):
    def queries_for_the_payment_page():
        with data_queries() as queries:
            assert client.get(step_url("payment", posting), **HTMX).status_code == 200
        return len(queries)

    queries_for_the_payment_page()  # the plans offered are read once, then from the cache
    before_any_attempt = queries_for_the_payment_page()
    attempt_for(posting, session_id="")  # a press of Pay that opened no checkout
    assert queries_for_the_payment_page() == before_any_attempt


# --- A rolling upgrade: processes of the previous release serve at the same time ----------


def previous_release_reserves(posting, number, *, state, session_id=""):
    """What the previous release's Pay does: a new attempt and the posting's copy of it,
    without pointing at it (it knows no pointer)."""
    with transaction.atomic():
        PaymentAttempt.objects.filter(posting=posting).exclude(
            state=PaymentAttempt.State.PAID
        ).update(state=PaymentAttempt.State.CLOSED)
        attempt = PaymentAttempt.objects.create(
            posting=posting,
            number=number,
            amount=9900,
            currency="usd",
            reviewed=posting.content_digest,
            expires_at=timezone.now() + timedelta(minutes=31),
            state=state,
            session_id=session_id,
        )
        JobPosting.objects.filter(pk=posting.pk).update(
            payment_attempt=number, checkout_session_id=session_id, payment_intent_id=""
        )
    return attempt


def test_a_checkout_the_previous_release_opened_is_honoured(client, posting, fakestripe):
    press_pay(client, posting)  # attempt 1, by this release
    older = JobPosting.objects.get(pk=posting.pk).current_attempt
    attempt = previous_release_reserves(posting, 2, state=PaymentAttempt.State.OPEN)
    session = _create_session(attempt, "http://testserver/return", "http://testserver/cancel")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(session_id=session.id)

    fakestripe.pay(session.id)
    assert fulfil(session.id, by=Actor.system()) is FulfilOutcome.PAID
    paid = JobPosting.objects.get(pk=posting.pk)
    assert (paid.status, paid.current_attempt_id) == (Status.IN_REVIEW, attempt.pk)
    assert paid.current_attempt_id != older.pk
    assert not Refund.objects.exists()


def test_a_checkout_the_previous_release_opened_is_expired_by_an_edit(client, posting, fakestripe):
    press_pay(client, posting)
    attempt = previous_release_reserves(posting, 2, state=PaymentAttempt.State.OPEN)
    session = _create_session(attempt, "http://testserver/return", "http://testserver/cancel")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(session_id=session.id)

    assert release_checkout(posting.pk) is True  # the employer went back to edit
    assert stripe_api().v1.checkout.sessions.retrieve(session.id).status == "expired"
    released = JobPosting.objects.get(pk=posting.pk)
    assert (released.status, released.current_attempt_id) == (Status.READY_TO_PAY, attempt.pk)


def test_the_next_attempt_after_the_previous_releases_gets_a_fresh_number(
    client, posting, fakestripe
):
    press_pay(client, posting)  # attempt 1, by this release; its session expires
    with transaction.atomic():
        locked = JobPosting.objects.select_for_update().get(pk=posting.pk)
        locked.close_checkout(by=Actor.system(), why="Checkout session expired")
        locked.save()
    previous_release_reserves(posting, 2, state=PaymentAttempt.State.CLOSED)

    press_pay(client, posting)
    numbers = list(PaymentAttempt.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3]
    assert JobPosting.objects.get(pk=posting.pk).current_attempt.number == 3


def test_a_payment_the_previous_release_applied_is_recorded_on_its_attempt(
    client, posting, fakestripe
):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    with transaction.atomic():  # the previous release's fulfil: the posting's copy only
        locked = JobPosting.objects.select_for_update().get(pk=posting.pk)
        locked.mark_paid(by=Actor.system(), why=f"Checkout session {session_id} paid")
        locked.save()
        PaymentAttempt.objects.filter(session_id=session_id).update(
            state=PaymentAttempt.State.PAID, closed_at=timezone.now()
        )

    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ALREADY_PAID  # its webhook
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    assert attempt.payment_intent_id.startswith("pi_") and attempt.paid_at
    record = refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    assert record.payment_intent_id == attempt.payment_intent_id


# --- The migration ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_points_every_posting_at_its_attempt():
    before, after = ("wizard", "0014_jobs_package"), ("wizard", "0016_payment_records")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    paid_at = timezone.now() - timedelta(days=3)
    try:
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps
        Posting = old.get_model("wizard", "JobPosting")
        Attempt = old.get_model("wizard", "PaymentAttempt")
        copy = {"price_amount": 9900, "price_currency": "usd", "payment_attempt": 2}
        paid = Posting.objects.create(
            status="in_review",
            checkout_session_id="cs_paid",
            payment_intent_id="pi_paid",
            paid_at=paid_at,
            **copy,
        )
        for number in (1, 2):
            Attempt.objects.create(
                posting=paid,
                number=number,
                amount=9900,
                currency="usd",
                expires_at=paid_at,
                session_id=f"cs_{number}" if number == 1 else "cs_paid",
                state="closed" if number == 1 else "paid",
            )
        # Paid before attempts were recorded (0008): no attempt row at all.
        ancient = Posting.objects.create(
            status="published",
            checkout_session_id="cs_ancient",
            payment_intent_id="pi_ancient",
            paid_at=paid_at,
            **{**copy, "payment_attempt": 1},
        )
        draft = Posting.objects.create(status="draft")

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps
        Posting = new.get_model("wizard", "JobPosting")
        pointed = Posting.objects.select_related("current_attempt")
        attempt = pointed.get(pk=paid.pk).current_attempt
        assert (attempt.number, attempt.session_id, attempt.payment_intent_id) == (
            2,
            "cs_paid",
            "pi_paid",
        )
        assert attempt.paid_at == paid_at
        recorded = pointed.get(pk=ancient.pk).current_attempt
        assert (recorded.number, recorded.amount, recorded.currency, recorded.state) == (
            1,
            9900,
            "usd",
            "paid",
        )
        assert (recorded.session_id, recorded.payment_intent_id) == ("cs_ancient", "pi_ancient")
        assert pointed.get(pk=draft.pk).current_attempt is None
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

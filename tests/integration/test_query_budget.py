"""How many queries the hot paths make (issue 11): at most five per wizard request, the
webhook's store-and-queue, and one email sent by the worker. Counts, not timings: `make
bench` measures time. Transaction control (BEGIN, COMMIT, savepoints) is not counted."""

import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.attempts import attempt_for
from tests.conftest import VALID_DETAILS, WEBHOOK_SECRET, step_url, stripe_api
from tests.factories import own, posting_at, posting_reaching
from tests.fakestripe_process import sign_webhook
from tests.integration.test_payment import press_pay, session_id_from
from wizard.effects.email import Email, queue_email
from wizard.flow import edits
from wizard.flow.order import FLOW
from wizard.jobs import runner
from wizard.jobs.models import Job
from wizard.models import JobPosting, Refund, Status, StripeEvent
from wizard.postings import plans

pytestmark = pytest.mark.django_db

WIZARD_MAX_QUERIES = 5
HTMX = {"HTTP_HX_REQUEST": "true"}
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@contextmanager
def data_queries():
    """The SQL statements run inside the block, transaction control left out."""
    found = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    found.extend(
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].split(" ", 1)[0].upper() not in TRANSACTION_CONTROL
    )


def steps_without_plans():
    """The steps of a board without plans, as the suite runs (read at collection, with no
    database: the plan step, shown only for a choice of plans, has its own budget test in
    test_plan_step.py)."""
    with mock.patch.object(plans, "active_plans", return_value=[]):
        return [step.name for step in FLOW.applicable(JobPosting())]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("step", steps_without_plans())
def test_each_step_is_shown_within_the_query_budget(client, step, htmx):
    posting = posting_reaching(step)
    own(client, posting)
    with data_queries() as queries:
        response = client.get(step_url(step, posting), **(HTMX if htmx else {}))
    assert response.status_code == 200
    assert len(queries) <= WIZARD_MAX_QUERIES, queries


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_saving_details_is_within_the_query_budget(client, htmx):
    posting = posting_at("logo_ready")
    own(client, posting)
    plans.active_plans()  # read once a few minutes by any page (the price is in the digest)
    with data_queries() as queries:
        response = client.post(
            step_url("details", posting), VALID_DETAILS, **(HTMX if htmx else {})
        )
    assert response.status_code == (200 if htmx else 302)
    assert FLOW["details"].is_complete(JobPosting.objects.get(pk=posting.pk))
    # The session, the posting, its lock, the transition's log row and the update; the
    # next step is drawn from the saved row.
    assert len(queries) <= WIZARD_MAX_QUERIES, queries


def test_the_start_page_makes_no_query(client):
    plans.active_plans()  # the plans offered: read once a few minutes, then from the cache
    with data_queries() as queries:
        assert client.get("/post/").status_code == 200
    assert queries == []


def test_an_edit_finds_a_checkout_opened_after_the_page_loaded_and_expires_it(client, fakestripe):
    """The request's own copy of the posting spares a query when no checkout was open;
    one opened meanwhile in another tab is still expired before the edit applies."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    seen = JobPosting.objects.get(pk=posting.pk)  # as the details POST loaded it
    session_id = session_id_from(press_pay(client, posting))  # another tab pays meanwhile

    def change(locked):
        locked.title = "Changed"

    saved = edits.edit(FLOW, posting.pk, change, why="Details saved", seen=seen)
    assert (saved.status, saved.title) == (Status.READY_TO_PAY, "Changed")
    assert stripe_api().v1.checkout.sessions.retrieve(session_id).status == "expired"


def test_a_webhook_is_stored_and_queued_in_four_queries(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    posting = posting_at(Status.AWAITING_PAYMENT)
    event = {
        "id": "evt_budget",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_test_budget", "client_reference_id": str(posting.pk)}},
    }
    body = json.dumps(event).encode()
    with data_queries() as queries:
        response = client.post(
            "/stripe/webhook/",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign_webhook(body, WEBHOOK_SECRET),
        )
    assert response.status_code == 200
    assert StripeEvent.objects.get().posting_id == posting.pk
    # The posting's id, the event's job, its task, the event (pointing at its job).
    assert len(queries) == 4, queries


def test_an_unknown_posting_in_a_webhook_is_stored_without_one(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    event = {
        "id": "evt_stranger",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_x", "client_reference_id": "not-a-uuid"}},
    }
    body = json.dumps(event).encode()
    response = client.post(
        "/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(body, WEBHOOK_SECRET),
    )
    assert response.status_code == 200
    assert StripeEvent.objects.get().posting_id is None


def test_the_worker_sends_an_email_and_records_it_in_few_queries(mailoutbox):
    posting = posting_at(Status.IN_REVIEW)
    attempt_for(posting, payment_intent_id="pi_budget")  # the email shows what was paid
    with mock.patch("wizard.jobs.runner.transaction.on_commit"):
        with runner.transaction.atomic():
            effect = queue_email(posting, Email.CONFIRMATION)
    with data_queries() as queries:
        assert runner.run_now(effect.pk) == "done"
    assert Job.objects.get(pk=effect.pk).state == Job.State.SENT
    assert len(mailoutbox) == 1
    # Claim: read the job with its posting, take it (a conditional update). Record: lock
    # the posting, the job's conditional update (review never waited for the receipt).
    assert len(queries) == 4, queries


def test_the_worker_processes_a_webhook_event_in_four_queries(client, settings):
    """The runner's own cost for an inbound event (its handler's queries come on top: an
    event type we do not act on has none)."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    event = {"id": "evt_cost", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    body = json.dumps(event).encode()
    signature = sign_webhook(body, WEBHOOK_SECRET)
    client.post("/stripe/webhook/", body, "application/json", HTTP_STRIPE_SIGNATURE=signature)
    job = Job.objects.get(stripe_event__event_id="evt_cost")
    with data_queries() as queries:
        assert runner.run_now(job.pk) == "done"
    assert Job.objects.get(pk=job.pk).state == Job.State.SENT
    # Claim: read the job, take it (a conditional update). The stored event. Record: the
    # job's conditional update (it belongs to no posting: nothing else is locked).
    assert len(queries) == 4, queries


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_paid_confirmation_in_review_is_within_the_query_budget(client, htmx):
    # Paid by a payment intent, in review: whether a refund of it is requested (may the
    # employer withdraw?) is read with the posting, though the page asks twice.
    posting = posting_at(Status.IN_REVIEW)
    attempt_for(posting, payment_intent_id="pi_in_review")
    own(client, posting)
    with data_queries() as queries:
        response = client.get(step_url("confirmation", posting), **(HTMX if htmx else {}))
    assert response.status_code == 200
    assert b"Withdraw before review" in response.content
    assert len(queries) <= WIZARD_MAX_QUERIES, queries


def test_a_confirmation_whose_refund_is_requested_offers_no_withdrawal(client):
    posting = posting_at(Status.IN_REVIEW)
    attempt = attempt_for(posting, payment_intent_id="pi_refund_asked")
    Refund.objects.create(
        posting=posting,
        payment_intent_id=attempt.payment_intent_id,
        amount=attempt.amount,
        currency=attempt.currency,
        reason=Refund.Reason.STAFF,
    )
    own(client, posting)
    response = client.get(step_url("confirmation", posting))
    assert response.status_code == 200
    assert b"Withdraw before review" not in response.content

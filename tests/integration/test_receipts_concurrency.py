"""Recording Stripe's documents under real concurrency (PostgreSQL row locks): the invoice's
webhook and fulfilment racing each other lose nothing either of them recorded."""

from unittest import mock

import pytest
from django.db import connection

from tests.factories import own, posting_at
from tests.integration.test_concurrency import run_at_once
from tests.integration.test_payment import press_pay, session_id_from
from tests.integration.test_receipts_and_invoices import attempt_of
from wizard.models import Actor, JobPosting, Status, TransitionLog
from wizard.payments import documents
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency tests need PostgreSQL row locks; CI runs them with DATABASE_URL set"
        )


def test_the_invoice_webhook_racing_fulfilment_loses_no_document(client, fakestripe):
    fakestripe.configure(invoice_finalization="held")
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    draft = documents.of_session(session_id)  # what fulfilment saw: no pages yet
    assert draft.invoice_id and draft.receipt_url and not draft.invoice_pdf_url
    invoice = fakestripe.finalize_invoice(draft.invoice_id)

    def either():
        return [
            lambda: fulfil(session_id, by=Actor.system()),
            lambda: documents.invoice_changed(invoice["id"]),
        ]

    calls = either() * 4
    real_detach = documents.detach

    def as_before_finalising(session):
        real_detach(session)  # the session as fulfilment reads it
        return draft

    with mock.patch("wizard.payments.documents.detach", side_effect=as_before_finalising):
        results = run_at_once(len(calls), lambda: calls.pop()())

    assert results.count(FulfilOutcome.PAID) == 1
    attempt = attempt_of(posting)
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW
    assert TransitionLog.objects.filter(target=Status.PAID).count() == 1
    assert attempt.is_paid and attempt.receipt_url == draft.receipt_url
    assert (attempt.invoice_url, attempt.invoice_pdf_url) == (
        invoice["hosted_invoice_url"],
        invoice["invoice_pdf"],
    )

"""Stripe's invoice and receipt for a payment: asked for at checkout, recorded by
fulfilment without waiting for them, filled in later by the webhook or the reconciler, and
opened by the employer through their account or the confirmation email's signed link."""

from unittest import mock
from urllib.parse import urlparse

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return, press_pay, return_path, session_id_from
from tests.integration.test_promotion_codes import make_code
from tests.integration.test_webhooks import deliver
from wizard.models import Actor, JobPosting, PaymentAttempt, Status
from wizard.payments import documents, receipt_links
from wizard.payments.exceptions import PaymentProviderUnavailable
from wizard.payments.fulfilment import fulfil
from wizard.payments.reconcile import Kind, reconcile
from wizard.payments.reconcile import _invoices_not_recorded as invoices_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return employer("boss@acme.example")


@pytest.fixture
def posting(client, boss):
    posting = posting_at(Status.READY_TO_PAY, employer=boss)
    own(client, posting)
    return posting


def attempt_of(posting):
    return JobPosting.objects.get(pk=posting.pk).current_attempt


def invoice_of(attempt):
    api = stripe_api()
    return api.v1.invoices.retrieve(api.v1.checkout.sessions.retrieve(attempt.session_id).invoice)


def charge_of(attempt):
    intent = stripe_api().v1.payment_intents.retrieve(
        attempt.payment_intent_id, params={"expand": ["latest_charge"]}
    )
    return intent.latest_charge


def invoice_events(invoice_id, kind):
    """The invoice's events of one kind, as JSON off the wire (the SDK's objects hold
    Decimals, which json cannot write back)."""
    response = requests.get(
        f"{settings.STRIPE_API_BASE}/v1/events",
        params={"type": f"invoice.{kind}", "limit": 100},
        headers={"Authorization": f"Bearer {settings.STRIPE_SECRET_KEY}"},
        timeout=5,
    )
    events = response.json()["data"]
    return [event for event in events if event["data"]["object"]["id"] == invoice_id]


def receipt_path(attempt):
    return reverse("wizard:receipt", args=[attempt.pk])


def link_path(attempt_id):
    return receipt_links.receipt_path(attempt_id)


# --- Asking for the invoice ------------------------------------------------------------


def test_checkout_asks_stripe_for_an_invoice_naming_the_posting(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))

    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    data = session.invoice_creation.invoice_data
    assert session.invoice_creation.enabled is True
    assert data.metadata.to_dict() == {"posting_id": str(posting.pk), "attempt": "1"}
    assert posting.reference in data.description
    assert [(f.name, f.value) for f in data.custom_fields] == [
        ("Posting reference", posting.reference),
        ("For", "First payment"),
    ]
    assert data.footer


def test_with_stripe_invoices_off_checkout_asks_for_no_invoice(
    client, posting, fakestripe, settings
):
    settings.STRIPE_INVOICES = False
    assert documents.checkout_params(posting, mock.Mock()) == {}  # no invoice_creation sent
    pay_and_return(client, posting, fakestripe)

    attempt = attempt_of(posting)
    session = stripe_api().v1.checkout.sessions.retrieve(attempt.session_id)
    assert session.invoice_creation.enabled is False and session.invoice is None
    assert (attempt.invoice_id, attempt.invoice_pdf_url) == ("", "")
    assert attempt.receipt_url == charge_of(attempt).receipt_url  # the receipt only
    sign_in_as(client, posting.employer)
    assert client.get(receipt_path(attempt))["Location"] == attempt.receipt_url


# --- Recording it --------------------------------------------------------------------------


def test_fulfilment_records_the_invoice_and_the_receipt(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)

    attempt = attempt_of(posting)
    invoice = invoice_of(attempt)
    assert invoice.status == "paid" and invoice.number
    assert attempt.invoice_id == invoice.id
    assert attempt.invoice_url == invoice.hosted_invoice_url
    assert attempt.invoice_pdf_url == invoice.invoice_pdf
    assert attempt.receipt_url == charge_of(attempt).receipt_url and attempt.receipt_url


def test_an_invoice_not_finalised_yet_holds_nothing_up_and_its_webhook_fills_it_in(
    client, posting, fakestripe, run_tasks
):
    fakestripe.configure(invoice_finalization="held")
    pay_and_return(client, posting, fakestripe)

    attempt = attempt_of(posting)
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW
    assert attempt.invoice_id.startswith("in_") and attempt.receipt_url
    assert (attempt.invoice_url, attempt.invoice_pdf_url) == ("", "")

    invoice = fakestripe.finalize_invoice(attempt.invoice_id)
    [paid] = invoice_events(invoice["id"], "paid")
    assert deliver(client, paid).status_code == 200
    run_tasks()

    attempt = attempt_of(posting)
    assert attempt.invoice_url == invoice["hosted_invoice_url"]
    assert attempt.invoice_pdf_url == invoice["invoice_pdf"]
    [finalized] = invoice_events(invoice["id"], "finalized")
    assert deliver(client, finalized).status_code == 200
    run_tasks()
    assert PaymentAttempt.objects.get(pk=attempt.pk).invoice_pdf_url == invoice["invoice_pdf"]


def test_the_invoice_event_may_come_before_the_payment_is_recorded(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)  # the employer never returns: only the webhooks tell
    invoice_id = stripe_api().v1.checkout.sessions.retrieve(session_id).invoice
    [paid] = invoice_events(invoice_id, "paid")

    documents.invoice_changed(paid["data"]["object"]["id"])  # its handler, before fulfilment
    assert attempt_of(posting).invoice_pdf_url and not attempt_of(posting).is_paid
    fulfil(session_id, by=Actor.system())

    attempt = attempt_of(posting)
    assert attempt.is_paid and attempt.invoice_id == invoice_id
    assert attempt.invoice_pdf_url and attempt.receipt_url


def test_the_documents_come_with_the_session_fulfilment_asks_for(client, posting, fakestripe):
    """One request: the session with its invoice and charge expanded, no more."""
    with mock.patch("wizard.payments.documents.call") as separate_request:
        pay_and_return(client, posting, fakestripe)
    assert not separate_request.called
    assert attempt_of(posting).invoice_pdf_url and attempt_of(posting).receipt_url


def test_a_refused_expansion_never_stops_a_payment(client, posting, fakestripe):
    with mock.patch("wizard.payments.documents.EXPAND", ("no_such_field",)):
        pay_and_return(client, posting, fakestripe)
    attempt = attempt_of(posting)
    assert attempt.is_paid and JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW
    assert documents.Documents.of(attempt) == documents.Documents()  # the reconciler's now


def test_the_reconciler_records_documents_a_payment_lacks(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)
    PaymentAttempt.objects.update(invoice_id="", invoice_url="", invoice_pdf_url="", receipt_url="")

    found = [d for d in reconcile() if d.kind == Kind.DOCUMENT_NOT_RECORDED]

    assert sorted(d.what.split()[0] for d in found) == ["invoice", "receipt"]
    attempt = attempt_of(posting)
    invoice = invoice_of(attempt)
    assert (attempt.invoice_id, attempt.invoice_pdf_url) == (invoice.id, invoice.invoice_pdf)
    assert attempt.invoice_url == invoice.hosted_invoice_url
    assert attempt.receipt_url == charge_of(attempt).receipt_url
    assert not [d for d in reconcile() if d.kind == Kind.DOCUMENT_NOT_RECORDED]  # once


def test_a_dry_run_records_no_document(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)
    PaymentAttempt.objects.update(invoice_pdf_url="", receipt_url="")

    found = [d for d in reconcile(dry_run=True) if d.kind == Kind.DOCUMENT_NOT_RECORDED]

    assert len(found) == 2 and {d.action for d in found} == {"reported (dry run)"}
    assert (attempt_of(posting).invoice_pdf_url, attempt_of(posting).receipt_url) == ("", "")


def test_recording_never_clears_a_document():
    attempt = PaymentAttempt(invoice_id="in_1", invoice_pdf_url="https://x/pdf")
    assert documents.apply(attempt, documents.Documents(invoice_id="in_1")) == []
    assert attempt.invoice_pdf_url == "https://x/pdf"


# --- Opening it ------------------------------------------------------------------------------


def test_the_owner_is_sent_to_the_invoice_pdf(client, posting, boss, fakestripe):
    pay_and_return(client, posting, fakestripe)
    attempt = attempt_of(posting)

    response = sign_in_as(Client(), boss).get(receipt_path(attempt))

    assert response.status_code == 302
    assert response["Location"] == attempt.invoice_pdf_url
    assert "no-store" in response["Cache-Control"]


def test_another_employers_receipt_and_an_unknown_one_are_not_found(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)
    attempt = attempt_of(posting)
    stranger = sign_in_as(Client(), employer("someone@else.example"))

    assert stranger.get(receipt_path(attempt)).status_code == 404
    assert stranger.get(reverse("wizard:receipt", args=[attempt.pk + 1000])).status_code == 404


def test_a_payment_not_taken_has_no_receipt(client, posting, boss, fakestripe):
    press_pay(client, posting)  # a checkout open, nothing paid
    response = sign_in_as(Client(), boss).get(receipt_path(attempt_of(posting)))
    assert response.status_code == 404


def test_the_signed_link_opens_the_invoice_without_signing_in(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)
    attempt = attempt_of(posting)

    response = Client().get(link_path(attempt.pk))

    assert response.status_code == 302 and response["Location"] == attempt.invoice_pdf_url


def test_the_signed_link_opens_only_the_payment_it_names(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)
    other = posting_at(Status.READY_TO_PAY)
    own(client, other)
    pay_and_return(client, other, fakestripe)
    mine, theirs = attempt_of(posting), attempt_of(other)

    token = urlparse(receipt_links.receipt_link(mine.pk)).path.rstrip("/").split("/")[-1]
    forged = str(theirs.pk) + token[len(str(mine.pk)) :]  # another id, this signature

    assert Client().get(link_path(mine.pk))["Location"] == mine.invoice_pdf_url
    assert Client().get(reverse("wizard:receipt_link", args=[forged])).status_code == 404
    assert Client().get(reverse("wizard:receipt_link", args=["12:nonsense"])).status_code == 404
    assert Client().get(link_path(theirs.pk + 1000)).status_code == 404  # signed, no such payment


def test_a_receipt_stripe_has_not_made_yet_gets_a_page_saying_so(client):
    posting = posting_at(Status.IN_REVIEW)
    attempt = attempt_for(posting, session_id="cs_test_unknown", payment_intent_id="pi_x")
    with mock.patch(
        "wizard.payments.documents.call", side_effect=PaymentProviderUnavailable("down")
    ):
        response = Client().get(link_path(attempt.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your receipt is not ready yet" in page and "USD 99.00" in page
    assert "Try this link again in a few minutes" in page


def test_a_link_opened_before_the_webhook_asks_stripe_and_records_the_invoice(
    client, posting, fakestripe
):
    fakestripe.configure(invoice_finalization="held")
    pay_and_return(client, posting, fakestripe)
    attempt = attempt_of(posting)
    invoice = fakestripe.finalize_invoice(attempt.invoice_id)  # its events not delivered

    response = Client().get(link_path(attempt.pk))

    assert response["Location"] == invoice["invoice_pdf"]
    assert attempt_of(posting).invoice_pdf_url == invoice["invoice_pdf"]


def test_the_confirmation_email_links_to_the_invoice(client, posting, fakestripe, run_tasks):
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    attempt = attempt_of(posting)

    [message] = mail.outbox
    link = receipt_links.receipt_link(attempt.pk)
    assert link in message.body and link in message.alternatives[0][0]
    assert "Download your invoice or receipt" in message.body
    assert Client().get(urlparse(link).path)["Location"] == attempt.invoice_pdf_url


def test_the_posting_page_links_to_the_invoice(client, posting, fakestripe):
    pay_and_return(client, posting, fakestripe)
    page = client.get(reverse("wizard:status", args=[posting.pk])).content.decode()
    assert f'href="{receipt_links.receipt_path(attempt_of(posting).pk)}"' in page
    assert "Download your invoice or receipt" in page


def test_the_reconcilers_invoice_pass_reads_its_payments_in_one_query(
    client, posting, fakestripe, django_assert_num_queries
):
    for each in [posting, posting_at(Status.READY_TO_PAY), posting_at(Status.READY_TO_PAY)]:
        own(client, each)
        pay_and_return(client, each, fakestripe)
    PaymentAttempt.objects.update(invoice_pdf_url="")

    with django_assert_num_queries(1):
        found = invoices_pass(dry_run=True)

    assert len(found) == 3


def test_the_reconciler_records_the_invoice_of_a_free_payment(client, posting, fakestripe):
    """A promotion code paid it all: no PaymentIntent, but Stripe's invoice (a total of
    0) is its receipt, and the reconciler records it when its events were lost."""
    make_code("FREE", percent_off=100)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.apply_promotion_code(session_id, "FREE")
    status, location = fakestripe.pay(session_id, card="")
    assert status == 303
    client.get(return_path(location))
    assert attempt_of(posting).is_free and attempt_of(posting).invoice_id
    PaymentAttempt.objects.update(invoice_id="", invoice_url="", invoice_pdf_url="")

    found = [d for d in reconcile() if d.kind == Kind.DOCUMENT_NOT_RECORDED]

    assert [d.what.split()[0] for d in found] == ["invoice"]
    attempt = attempt_of(posting)
    assert attempt.invoice_id == invoice_of(attempt).id and attempt.invoice_pdf_url

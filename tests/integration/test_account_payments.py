"""The employer's payments page (issue 20, item 6): every paid attempt of their postings,
with its date in the posting's zone, purpose, amount, refunded part and Stripe's documents;
nobody else's; paginated within a fixed query budget."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.factories import posting_at
from tests.integration.test_query_budget import data_queries
from wizard.models import PaymentAttempt, Status

pytestmark = pytest.mark.django_db

PAYMENTS = reverse("wizard:account_payments")


@pytest.fixture
def boss(client):
    account = employer()
    sign_in_as(client, account)
    return account


def paid_posting(owner, title="Paid job", n=0, **fields):
    posting = posting_at(Status.IN_REVIEW, employer=owner, title=title, **fields)
    attempt = attempt_for(
        posting, session_id=f"cs_{title}_{n}", payment_intent_id=f"pi_{title}_{n}"
    )
    return posting, attempt


def test_no_payments_yet(client, boss):
    assert "You have made no payments yet" in client.get(PAYMENTS).content.decode()


def test_a_payment_shows_its_posting_purpose_amount_and_refund(client, boss):
    posting, attempt = paid_posting(boss, country="JP", city="Tokyo", workplace="on_site")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        paid_at=datetime(2026, 11, 30, 20, 0, tzinfo=UTC),  # 1 December in Tokyo
        amount_refunded=2500,
        purpose=PaymentAttempt.Purpose.RENEWAL,
    )
    page = client.get(PAYMENTS).content.decode()
    assert "1 Dec 2026" in page
    assert f'href="{reverse("wizard:account_posting", args=[posting.pk])}">Paid job</a>' in page
    assert f"Ref. {posting.reference}" in page
    assert "Renewal" in page
    assert "USD 99.00" in page and "USD 25.00 refunded" in page
    # Nothing recorded yet: our receipt link, which asks Stripe when opened.
    assert f'href="{reverse("wizard:receipt", args=[attempt.pk])}"' in page


def test_receipt_and_invoice_link_to_stripes_documents(client, boss):
    _, attempt = paid_posting(boss)
    attempt.invoice_url = "https://invoice.stripe.com/i/acct_1/inv_1"
    attempt.invoice_pdf_url = "https://pay.stripe.com/invoice/acct_1/inv_1/pdf"
    attempt.receipt_url = "https://pay.stripe.com/receipts/r_1"
    attempt.save()
    page = client.get(PAYMENTS).content.decode()
    assert 'href="https://invoice.stripe.com/i/acct_1/inv_1"' in page
    assert 'href="https://pay.stripe.com/invoice/acct_1/inv_1/pdf"' in page
    assert ">Receipt<" in page and ">Invoice (PDF)<" in page


def test_a_document_that_is_no_web_address_is_not_a_link(client, boss):
    _, attempt = paid_posting(boss)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(receipt_url="javascript:alert(1)")
    page = client.get(PAYMENTS).content.decode()
    assert "javascript:" not in page
    assert f'href="{reverse("wizard:receipt", args=[attempt.pk])}"' in page


def test_unpaid_attempts_and_other_employers_payments_are_not_listed(client, boss):
    mine = posting_at(Status.AWAITING_PAYMENT, employer=boss, title="Still paying")
    attempt_for(mine, session_id="cs_open")
    paid_posting(employer("rival@example.com"), title="Rival job")
    paid_posting(None, title="Anonymous job")
    page = client.get(PAYMENTS).content.decode()
    assert "Still paying" not in page and "Rival job" not in page and "Anonymous job" not in page
    assert "You have made no payments yet" in page


def test_sixty_payments_are_paginated_within_the_query_budget(client, boss):
    for n in range(60):
        paid_posting(boss, title=f"Job {n}", n=n)
    with data_queries() as queries:
        response = client.get(PAYMENTS)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 26
    assert len(queries) <= 6, "\n".join(queries)
    last = client.get(PAYMENTS, {"page": 3}).content.decode()
    assert last.count("<tr>") == 11 and "Page 3 of 3" in last

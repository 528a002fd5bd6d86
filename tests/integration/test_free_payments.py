"""A payment made with a promotion code, shown everywhere with its discount; one that a
code made free (no PaymentIntent, no charge) behaves as paid: listed, receipted,
"refunded" by withdrawing it without asking Stripe, rejected without a refund; and the
money invariant amount == price - discount + tax is checked by the reconciler."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, return_path, session_id_from
from tests.integration.test_promotion_codes import make_code
from wizard.models import JobPosting, PaymentAttempt, Refund, Status, TransitionLog
from wizard.payments.reconcile import Kind, reconcile
from wizard.postings.money import money

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/dashboard/"


@pytest.fixture
def boss(client):
    account = employer("boss@acme.example")
    sign_in_as(client, account)
    return account


def pay_with(client, fakestripe, boss, code, **coupon):
    """A posting of boss's, paid on the hosted page with a new promotion code."""
    posting = posting_at(Status.READY_TO_PAY, employer=boss)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    make_code(code, **coupon)
    fakestripe.apply_promotion_code(session_id, code)
    status, location = fakestripe.pay(session_id)
    assert status == 303
    client.get(return_path(location))
    return JobPosting.objects.get(pk=posting.pk)


@pytest.fixture
def free(client, fakestripe, boss):
    return pay_with(client, fakestripe, boss, "FREE", percent_off=100)


@pytest.fixture
def spring(client, fakestripe, boss):
    return pay_with(client, fakestripe, boss, "SPRING", percent_off=20)


def test_the_discount_is_shown_on_the_ledger_payments_page_and_admin(client, spring, admin_client):
    said = "USD 79.20 (USD 99.00 less USD 19.80 with code SPRING)"
    assert f"Paid {said}" in client.get(f"/post/{spring.pk}/confirmation/").content.decode()
    assert said in client.get(reverse("wizard:account_payments")).content.decode()
    assert said in client.get(reverse("wizard:account_posting", args=[spring.pk])).content.decode()
    admin_page = admin_client.get(f"/admin/wizard/jobposting/{spring.pk}/change/")
    assert said in admin_page.content.decode()


def test_a_free_payment_is_listed_paid_with_its_discount(client, free):
    attempt = free.current_attempt
    assert attempt.is_free and attempt.amount == 0 and attempt.discount == attempt.list_price
    page = client.get(reverse("wizard:account_payments")).content.decode()
    assert f"less {attempt.list_price_display} with code FREE" in page
    ledger = client.get(f"/post/{free.pk}/confirmation/").content.decode()
    assert f"Paid {attempt.amount_display} (" in ledger


def test_a_free_payments_receipt_opens_its_invoice(client, free):
    response = client.get(reverse("wizard:receipt", args=[free.current_attempt.pk]))
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # Stripe's invoice, with its discount and a 0 total
        invoice = stripe_api().v1.invoices.list().data[0]
        assert (invoice.total, invoice.total_discount_amounts[0].amount) == (
            0,
            free.current_attempt.list_price,
        )
    else:
        assert "nothing was charged" in response.content.decode()


def test_the_employer_withdraws_a_free_posting_without_a_refund(client, free, fakestripe):
    ask = client.post(f"/post/{free.pk}/confirmation/", {"withdraw": "ask"}).content.decode()
    assert "nothing to refund" in ask and "withdraw and refund" not in ask
    done = client.post(f"/post/{free.pk}/confirmation/", {"withdraw": "confirmed"}, follow=True)
    assert "Nothing was charged, so nothing is refunded." in done.content.decode()
    assert JobPosting.objects.get(pk=free.pk).status == Status.REFUNDED
    assert not Refund.objects.exists()
    assert stripe_api().v1.refunds.list().data == []
    entry = TransitionLog.objects.get(target=Status.REFUNDED)
    assert "nothing to refund" in entry.reason


def test_the_withdrawal_email_says_nothing_was_charged(client, free, run_tasks):
    client.post(f"/post/{free.pk}/confirmation/", {"withdraw": "confirmed"})
    run_tasks()
    (email,) = [m for m in mail.outbox if "withdrawn" in m.subject]
    assert "nothing was charged" in email.alternatives[0][0]
    assert "refunded" not in email.subject


def test_a_staff_refund_of_a_free_posting_withdraws_it_and_says_so(free, admin_client, fakestripe):
    action = {"action": "refund_payments", "_selected_action": [str(free.pk)]}
    page = admin_client.post("/admin/wizard/jobposting/?queue=all", action).content.decode()
    assert "nothing to refund" in page
    done = admin_client.post(
        "/admin/wizard/jobposting/?queue=all",
        {**action, "confirm": "yes", "reason": "Asked by phone"},
        follow=True,
    ).content.decode()
    assert "withdrawn without a refund" in done and "Stripe was not asked" in done
    assert JobPosting.objects.get(pk=free.pk).status == Status.REFUNDED
    assert not Refund.objects.exists() and stripe_api().v1.refunds.list().data == []


def test_rejecting_a_free_posting_refunds_nothing(free, admin_client, run_tasks):
    url = f"/admin/wizard/jobposting/{free.pk}/transition/reject/"
    assert "Nothing is refunded" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"reason": "misleading", "note": "No salary."})
    assert response.status_code == 302
    run_tasks()
    assert JobPosting.objects.get(pk=free.pk).status == Status.REJECTED
    assert not Refund.objects.exists() and stripe_api().v1.refunds.list().data == []
    (email,) = [
        m for m in mail.outbox if "not" in m.subject.lower() or "reject" in m.subject.lower()
    ]
    assert "nothing was charged" in email.alternatives[0][0]


def test_the_admin_pages_of_a_free_payment_render(free, admin_client):
    page = admin_client.get(f"/admin/wizard/jobposting/{free.pk}/change/").content.decode()
    assert "nothing was charged" in page
    assert admin_client.get(DASHBOARD).status_code == 200


def test_the_dashboard_counts_what_was_charged_and_the_discounts_given(spring, free, admin_client):
    paid = [spring.current_attempt, free.current_attempt]
    page = admin_client.get(DASHBOARD).content.decode()
    assert "Discounts given" in page

    currency = paid[0].currency
    assert money(sum(a.discount for a in paid), currency) in page
    assert money(sum(a.amount for a in paid), currency) in page


def test_the_csv_export_has_the_discount_and_code(client, spring):
    response = client.get(reverse("wizard:account_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = [r for r in rows if r["Reference"] == spring.reference]
    attempt = spring.current_attempt
    assert row["Amount paid (minor units)"] == str(attempt.amount)
    assert (row["Discount"], row["Promotion codes"]) == (attempt.discount_display, "SPRING")


def test_the_reconciler_reports_a_payment_breaking_the_money_invariant(spring, fakestripe):
    assert not [d for d in reconcile() if d.kind == Kind.AMOUNT_NOT_ADDING_UP]
    PaymentAttempt.objects.filter(pk=spring.current_attempt_id).update(discount=1)
    (found,) = [d for d in reconcile() if d.kind == Kind.AMOUNT_NOT_ADDING_UP]
    assert found.posting_id == str(spring.pk) and found.action == "reported"
    assert "- discount 1" in found.what

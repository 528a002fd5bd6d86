"""Stripe Tax through Checkout, paid on fakestripe: the tax of the buyer's country recorded
on the attempt, a business with a valid VAT number paying as a customer with that tax ID
and reverse-charged, no tax params with STRIPE_TAX off, and the money invariant."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.conftest import step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, return_path, session_id_from
from tests.integration.test_promotion_codes import make_code
from tests.integration.test_webhooks import deliver
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, Status
from wizard.payments import refunds, tax
from wizard.postings.business import Business, VatStatus, keep
from wizard.postings.money import money

pytestmark = pytest.mark.django_db

# As the one formatter writes it ("€58.31 (€49.00 + VAT €9.31)" in an English locale).
SUMMARY = f"{money(5831, 'eur')} ({money(4900, 'eur')} + VAT {money(931, 'eur')})"


@pytest.fixture
def posting(client, settings):
    settings.POSTING_PRICE_AMOUNT = 4900
    settings.POSTING_PRICE_CURRENCY = "eur"
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def with_business(posting, **fields):
    posting = JobPosting.objects.get(pk=posting.pk)
    keep(posting, Business(**fields))
    posting.save(update_fields=["step_data"])
    return posting


VALID_DE = {
    "country": "DE",
    "vat_number": "DE123456789",
    "vat_status": VatStatus.VALID,
    "name": "Acme GmbH",
    "address": "Hauptstraße 1\n10115 Berlin",
}


def pay(client, posting, fakestripe, country="DE"):
    session_id = session_id_from(press_pay(client, posting))
    status, location = fakestripe.pay(session_id, billing_country=country)
    assert status == 303, location
    assert client.get(return_path(location)).status_code == 302  # to the confirmation
    return session_id, JobPosting.objects.get(pk=posting.pk).current_attempt


def assert_invariant(attempt):
    assert attempt.amount == attempt.list_price - attempt.discount + attempt.tax


def test_the_session_asks_for_tax_and_a_billing_address(client, posting, fakestripe):
    session_id = session_id_from(press_pay(client, posting))
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.automatic_tax.enabled is True
    assert session.billing_address_collection == "required"
    assert session.tax_id_collection.enabled is True
    assert session.customer is None and session.customer_email == "hiring@acme.example"


def test_a_consumer_in_germany_pays_19_percent_recorded_on_the_attempt(client, posting, fakestripe):
    _, attempt = pay(client, posting, fakestripe, "DE")
    assert attempt.state == PaymentAttempt.State.PAID
    assert (attempt.price, attempt.tax, attempt.amount) == (4900, 931, 5831)
    assert attempt.tax_note == "" and attempt.customer_id == ""
    assert_invariant(attempt)
    assert attempt.charged_display == SUMMARY


def test_a_valid_vat_number_pays_as_a_customer_with_its_tax_id_reverse_charged(
    client, posting, fakestripe
):
    with_business(posting, **VALID_DE)
    session_id, attempt = pay(client, posting, fakestripe, "DE")
    api = stripe_api()
    session = api.v1.checkout.sessions.retrieve(session_id)
    assert session.customer and session.customer_email is None
    customer = api.v1.customers.retrieve(session.customer)
    assert (customer.email, customer.name, customer.address.country) == (
        "hiring@acme.example",
        "Acme GmbH",
        "DE",
    )
    tax_ids = api.v1.customers.tax_ids.list(customer.id).data
    assert [(t.type, t.value) for t in tax_ids] == [("eu_vat", "DE123456789")]
    assert (attempt.tax, attempt.amount, attempt.tax_note) == (0, 4900, "reverse_charge")
    assert attempt.customer_id == customer.id
    assert_invariant(attempt)
    assert tax.note_display(attempt) == "VAT: reverse charge"


@pytest.mark.parametrize(
    "business,says",
    [
        ({}, "The price is before VAT: the payment page adds any VAT due for your billing"),
        (VALID_DE, "With your VAT number DE123456789, a business billed in another country"),
        ({**VALID_DE, "vat_status": VatStatus.UNCHECKED}, "Your VAT number is not confirmed yet"),
        ({**VALID_DE, "vat_status": VatStatus.INVALID}, "The price is before VAT: the payment"),
    ],
)
def test_the_review_page_says_the_price_is_before_vat_and_when_it_is_reverse_charged(
    client, posting, business, says
):
    if business:
        with_business(posting, **business)
    html = client.get(step_url("payment", posting)).content.decode()
    [note] = [line for line in html.splitlines() if 'data-testid="price-note"' in line]
    assert says in note
    assert ("reverse charge" in note) == (business == VALID_DE)


def test_with_stripe_tax_off_the_review_page_says_nothing_of_vat(client, posting, settings):
    settings.STRIPE_TAX = False
    with_business(posting, **VALID_DE)
    html = client.get(step_url("payment", posting)).content.decode()
    assert "price-note" not in html and "before VAT" not in html


def test_a_retried_press_reuses_the_attempts_customer(client, posting, fakestripe):
    with_business(posting, **VALID_DE)
    posting = JobPosting.objects.get(pk=posting.pk)
    press_pay(client, posting)
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    first = tax.customer_for(posting, attempt, Business(**VALID_DE))
    assert tax.customer_for(posting, attempt, Business(**VALID_DE)) == first
    assert len(stripe_api().v1.customers.list().data) == 1


@pytest.mark.parametrize("status", [VatStatus.UNCHECKED, VatStatus.INVALID, VatStatus.NONE])
def test_a_number_not_confirmed_valid_makes_no_customer(client, posting, fakestripe, status):
    with_business(posting, **{**VALID_DE, "vat_status": status})
    _, attempt = pay(client, posting, fakestripe, "DE")
    assert attempt.customer_id == "" and attempt.tax == 931
    assert stripe_api().v1.customers.list().data == []


def test_with_stripe_tax_off_checkout_gets_no_tax_params(client, posting, fakestripe, settings):
    settings.STRIPE_TAX = False
    with_business(posting, **VALID_DE)
    assert tax.checkout_params(posting, None) == {} and tax.price_data() == {}
    session_id, attempt = pay(client, posting, fakestripe, "DE")
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.automatic_tax.enabled is False
    assert session.billing_address_collection is None and session.customer is None
    assert (attempt.tax, attempt.amount) == (0, 4900)
    assert "VAT" not in attempt.charged_display


@pytest.mark.parametrize(
    "country, expected_tax", [("FR", 980), ("HU", 1323), ("GB", 980), ("US", 0), ("JP", 0)]
)
def test_the_money_invariant_holds_on_every_paid_attempt(
    client, posting, fakestripe, country, expected_tax
):
    _, attempt = pay(client, posting, fakestripe, country)
    assert attempt.tax == expected_tax
    for paid in PaymentAttempt.objects.filter(state=PaymentAttempt.State.PAID):
        assert_invariant(paid)


def test_a_refused_breakdown_never_blocks_the_payment(client, posting, fakestripe, monkeypatch):
    monkeypatch.setattr(tax, "EXPAND", ("total_details.no_such_thing",))
    _, attempt = pay(client, posting, fakestripe, "DE")
    assert attempt.state == PaymentAttempt.State.PAID and attempt.tax == 931


# --- Where the tax is shown --------------------------------------------------------------


def taxed(posting, *, tax=931, note=""):
    """A paid attempt of €49.00 plus `tax` (or none, for the reason `note`)."""
    attempt = attempt_for(posting, payment_intent_id=f"pi_{posting.pk.hex}", amount=4900 + tax)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        currency="eur", price=4900, tax=tax, tax_note=note
    )
    return PaymentAttempt.objects.get(pk=attempt.pk)


def test_the_account_pages_show_the_tax_and_a_reverse_charge(client):
    boss = employer("boss@acme.example")
    sign_in_as(client, boss)
    vat = posting_at(Status.IN_REVIEW, employer=boss, title="Taxed")
    taxed(vat)
    reverse_charged = posting_at(Status.IN_REVIEW, employer=boss, title="Reverse")
    taxed(reverse_charged, tax=0, note="reverse_charge")
    page = client.get(reverse("wizard:account_payments")).content.decode()
    assert SUMMARY in page
    assert f"{money(4900, 'eur')} (VAT: reverse charge)" in page
    own_page = client.get(reverse("wizard:account_posting", args=[vat.pk])).content.decode()
    assert SUMMARY in own_page


def test_the_ledger_and_the_receipt_page_show_the_tax(client):
    posting = posting_at(Status.IN_REVIEW)
    own(client, posting)
    attempt = taxed(posting)
    ledger = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert SUMMARY in ledger
    waiting = render_to_string("account/receipt_not_ready.html", {"attempt": attempt})
    assert SUMMARY in waiting


def test_the_admin_shows_the_tax_and_the_dashboard_sums_it_per_currency(admin_client):
    posting = posting_at(Status.IN_REVIEW)
    taxed(posting)
    other = posting_at(Status.IN_REVIEW)
    taxed(other, tax=0, note="reverse_charge")
    change = admin_client.get(f"/admin/wizard/jobposting/{posting.pk}/change/").content.decode()
    assert SUMMARY in change
    dashboard = admin_client.get("/admin/dashboard/")
    row = dashboard.context["revenue"][0]
    assert (row.paid, row.tax) == (money(10731, "eur"), money(931, "eur"))
    assert "Of which tax" in dashboard.content.decode()


# --- Refunds of a taxed payment ------------------------------------------------------------


def test_refunding_a_taxed_payment_refunds_what_was_charged_tax_included(
    client, posting, fakestripe
):
    _, attempt = pay(client, posting, fakestripe, "DE")
    record = refunds.refund(
        JobPosting.objects.get(pk=posting.pk), Refund.Reason.STAFF, by=Actor.system()
    )
    assert (record.state, record.amount, record.currency) == ("succeeded", 5831, "eur")
    [at_stripe] = (
        stripe_api().v1.refunds.list(params={"payment_intent": attempt.payment_intent_id}).data
    )
    assert at_stripe.amount == 5831


def test_a_dashboard_refund_of_the_tax_alone_is_a_partial_refund(
    client, posting, fakestripe, run_tasks
):
    _, attempt = pay(client, posting, fakestripe, "DE")
    stripe_api().v1.refunds.create(
        params={"payment_intent": attempt.payment_intent_id, "amount": 931}
    )
    event = stripe_api().v1.events.list(params={"type": "charge.refunded"}).data[0].to_dict()
    assert deliver(client, event).status_code == 200
    run_tasks()
    attempt.refresh_from_db()
    assert attempt.amount_refunded == 931 and attempt.partly_refunded
    ledger = client.get(f"/post/{posting.pk}/confirmation/").content.decode()
    assert f"Refund of {money(931, 'eur')}" in ledger and "part of your payment" in ledger


# --- Promotion codes and tax together -----------------------------------------------------


def pay_with_code(client, posting, fakestripe, code, country="DE", card="4242424242424242"):
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.apply_promotion_code(session_id, code)
    status, location = fakestripe.pay(session_id, card=card, billing_country=country)
    assert status == 303, location
    assert client.get(return_path(location)).status_code == 302  # paid, not refunded
    return session_id, JobPosting.objects.get(pk=posting.pk).current_attempt


def test_tax_is_on_the_discounted_price_and_a_refund_returns_what_was_charged(
    client, posting, fakestripe
):
    make_code("SPRING", percent_off=20)
    _, attempt = pay_with_code(client, posting, fakestripe, "SPRING")
    assert (attempt.price, attempt.discount, attempt.tax, attempt.amount) == (4900, 980, 745, 4665)
    assert_invariant(attempt)
    assert attempt.charged_display == (
        f"{money(4665, 'eur')} ({money(4900, 'eur')} less {money(980, 'eur')} with code "
        f"SPRING + VAT {money(745, 'eur')})"
    )
    assert JobPosting.objects.get(pk=posting.pk).is_paid and not Refund.objects.exists()
    record = refunds.refund(
        JobPosting.objects.get(pk=posting.pk), Refund.Reason.STAFF, by=Actor.system()
    )
    assert (record.state, record.amount) == ("succeeded", 4665)


def test_a_100_percent_code_with_tax_on_is_free_with_no_tax_and_publishes(
    client, posting, fakestripe
):
    make_code("FREE", percent_off=100)
    session_id, attempt = pay_with_code(client, posting, fakestripe, "FREE", card="")
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert (session.payment_status, session.amount_total) == ("no_payment_required", 0)
    assert (attempt.amount, attempt.discount, attempt.tax) == (0, 4900, 0)
    assert attempt.is_free and attempt.is_settled and not Refund.objects.exists()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW

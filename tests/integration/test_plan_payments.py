"""Paying for each plan through fakestripe: the attempt records the plan's price, days and
featured flag, Checkout's line item names the plan, approval sets the expiry from the
plan's days and the featured flag; prices in zero- and three-decimal currencies; and a
payment made keeps what it bought when staff change or retire the plan afterwards."""

import urllib.request
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.conftest import step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return, press_pay, session_id_from
from tests.plans import make_plan, standard_and_featured
from wizard.models import Actor, JobPosting, PaymentAttempt, Status
from wizard.postings import review

pytestmark = pytest.mark.django_db


def ready(client, plan, currency, **fields):
    posting = posting_at(Status.READY_TO_PAY, **fields)
    JobPosting.objects.filter(pk=posting.pk).update(plan=plan, currency=currency)
    own(client, posting)
    return JobPosting.objects.get(pk=posting.pk)


def session_of(posting):
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt
    return stripe_api().v1.checkout.sessions.retrieve(
        attempt.session_id, params={"expand": ["line_items"]}
    )


@pytest.mark.parametrize(
    "which,currency,amount,days,featured",
    [("standard", "gbp", 8500, 30, False), ("featured", "eur", 14700, 60, True)],
)
def test_paying_each_plan_records_what_it_bought_and_approval_applies_it(
    client, fakestripe, run_tasks, which, currency, amount, days, featured
):
    standard, featured_plan = standard_and_featured()
    plan = standard if which == "standard" else featured_plan
    posting = ready(client, plan, currency)

    checkout_url = press_pay(client, posting)
    session = session_of(posting)
    assert (session.amount_total, session.currency) == (amount, currency)
    [item] = session.line_items.data
    assert item.description == f"{plan.name}: {posting.title} at {posting.company_name}"
    with urllib.request.urlopen(checkout_url) as page:  # the hosted page names it too
        assert f"{plan.name}: {posting.title}" in page.read().decode()

    fakestripe.pay(session_id_from(checkout_url), "4242424242424242")
    client.get(reverse("wizard:payment_return", args=[posting.pk]) + f"?session_id={session.id}")
    run_tasks()
    attempt = PaymentAttempt.objects.get(posting=posting)
    assert attempt.is_settled and attempt.plan == plan
    assert (attempt.price, attempt.amount, attempt.currency) == (amount, amount, currency)
    assert (attempt.days, attempt.featured) == (days, featured)

    html = client.get(step_url("confirmation", posting)).content.decode()
    assert f"stays there for {days} days" in html  # what happens next, in review

    posting = review.approve(posting.pk, by=Actor.system())
    assert posting.status == Status.PUBLISHED
    assert posting.expires_at - posting.published_at == timedelta(days=days)
    assert posting.featured is featured


@pytest.mark.parametrize(
    "currency,amount,shown",
    [("jpy", 4900, "JPY 4,900"), ("kwd", 15_250, "KWD 15.250")],
    ids=["zero-decimal", "three-decimal"],
)
def test_zero_and_three_decimal_prices_are_shown_charged_and_recorded(
    client, fakestripe, currency, amount, shown
):
    plan = make_plan("Local", {currency: amount})
    make_plan("Other", {currency: amount * 2}, order=1)
    posting = ready(client, plan, currency)
    html = client.get(step_url("plan", posting)).content.decode()
    assert f"<strong>Local</strong>: {shown} for 30 days" in html
    assert f"Pay {shown}" in client.get(step_url("payment", posting)).content.decode()
    pay_and_return(client, posting, fakestripe)
    attempt = PaymentAttempt.objects.get(posting=posting)
    assert (attempt.amount, attempt.currency, attempt.amount_display) == (amount, currency, shown)


def test_a_price_change_or_retirement_after_payment_changes_nothing_paid(
    client, fakestripe, run_tasks
):
    boss = employer()
    sign_in_as(client, boss)
    standard, featured = standard_and_featured()
    posting = ready(client, featured, "eur", employer=boss)
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    posting = review.approve(posting.pk, by=Actor.system())
    attempt = PaymentAttempt.objects.get(posting=posting)
    before = (attempt.plan_id, attempt.price, attempt.amount, attempt.days, attempt.featured)
    payments_page = client.get(reverse("wizard:account_payments")).content.decode()
    assert "EUR 147.00" in payments_page

    featured.prices.filter(currency="eur").update(amount=99_900)
    featured.lifetime_days = 7
    featured.featured = False
    featured.active = False
    featured.save()

    attempt.refresh_from_db()
    assert (
        attempt.plan_id,
        attempt.price,
        attempt.amount,
        attempt.days,
        attempt.featured,
    ) == before
    again = JobPosting.objects.get(pk=posting.pk)
    assert (again.expires_at, again.featured) == (posting.expires_at, True)
    page = client.get(reverse("wizard:account_payments")).content.decode()
    assert "EUR 147.00" in page and "EUR 999.00" not in page
    # The account names the plan the posting was paid with, retired or not.
    account = client.get(reverse("wizard:account_posting", args=[posting.pk])).content.decode()
    assert (
        '<dt class="summary-list__key">Plan</dt><dd class="summary-list__value">Featured</dd>'
        in account
    )
    listing = client.get(reverse("wizard:account_postings")).content.decode()
    assert "· Featured plan</span>" in listing


def test_a_board_without_plans_sells_the_settings_listing_and_names_no_plan(
    client, fakestripe, settings
):
    settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY = 4500, "eur"
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    html = client.get(step_url("payment", posting)).content.decode()
    assert "You are buying <strong>Standard listing</strong>: 30 days on the board." in html
    assert 'summary-list__key">Plan<' not in html
    pay_and_return(client, posting, fakestripe)
    attempt = PaymentAttempt.objects.get(posting=posting)
    assert (attempt.plan, attempt.price, attempt.days, attempt.featured) == (None, 4500, 30, False)


def test_a_plan_retired_or_repriced_while_its_checkout_is_open_is_still_paid_for(
    client, fakestripe, run_tasks
):
    """The attempt keeps the price it was opened with; the payment is applied, not refunded
    as superseded, though the plan is no longer sold."""
    standard, featured = standard_and_featured()
    posting = ready(client, featured, "eur")
    checkout_url = press_pay(client, posting)
    featured.prices.filter(currency="eur").update(amount=19900)
    featured.active = False
    featured.save()
    client.get(step_url("payment", posting))  # the employer looks again meanwhile

    fakestripe.pay(session_id_from(checkout_url), "4242424242424242")
    session = session_of(posting)
    client.get(reverse("wizard:payment_return", args=[posting.pk]) + f"?session_id={session.id}")
    run_tasks()
    posting = JobPosting.objects.get(pk=posting.pk)
    assert posting.status == Status.IN_REVIEW and not posting.refunds.exists()
    attempt = posting.current_attempt
    assert (attempt.price, attempt.amount, attempt.featured, attempt.days) == (
        14700,
        14700,
        True,
        60,
    )
    posting = review.approve(posting.pk, by=Actor.system())
    assert posting.featured and posting.expires_at - posting.published_at == timedelta(days=60)

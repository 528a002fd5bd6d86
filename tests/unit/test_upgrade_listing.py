"""What featuring a live posting costs (wizard.payments.purposes.Upgrade.listing): the first
active featured plan in the currency of the posting's first payment, less that payment's
list price; not offered when Stripe would refuse to charge the difference."""

import pytest

from tests.attempts import attempt_for
from tests.factories import posting_at
from wizard.models import JobPosting, PaymentAttempt, Status
from wizard.payments.purposes import PURPOSES
from wizard.postings.plans import Plan, PlanPrice

pytestmark = pytest.mark.django_db

UPGRADE = PURPOSES[PaymentAttempt.Purpose.UPGRADE]


def plan(name, order, featured=True, active=True, **prices):
    found = Plan.objects.create(name=name, order=order, featured=featured, active=active)
    for currency, amount in prices.items():
        PlanPrice.objects.create(plan=found, currency=currency, amount=amount)
    return found


def paid(amount=9900, currency="usd", price=None):
    """A published posting whose first payment is settled."""
    posting = posting_at(Status.PUBLISHED)
    attempt = attempt_for(posting, payment_intent_id="pi_first", amount=amount)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(currency=currency, price=price)
    return JobPosting.objects.get(pk=posting.pk)  # its first payment as it is now


def test_the_difference_with_what_was_bought_featured_for_the_rest_of_the_listing():
    featured = plan("Featured", 2, usd=14900)
    found = UPGRADE.listing(paid(9900))
    assert (found.plan, found.amount, found.currency) == (featured, 5000, "usd")
    assert (found.featured, found.days) == (True, None)


def test_the_first_active_featured_plan_in_the_plans_order():
    plan("Standard", 1, featured=False, usd=9900)
    plan("Retired spotlight", 2, active=False, usd=12900)
    first = plan("Spotlight", 3, usd=19900)
    plan("Featured", 4, usd=14900)
    assert UPGRADE.listing(paid(9900)).plan == first


def test_priced_in_the_currency_the_posting_was_paid_in():
    plan("Featured", 1, usd=14900, eur=13900)
    found = UPGRADE.listing(paid(9000, currency="eur"))
    assert (found.amount, found.currency) == (4900, "eur")


def test_the_list_price_counts_not_what_a_discount_left_to_pay():
    plan("Featured", 1, usd=14900)
    assert UPGRADE.listing(paid(amount=4950, price=9900)).amount == 5000


@pytest.mark.parametrize("featured_price", [9900, 8000, 9920])  # 0, negative, under USD 0.50
def test_not_offered_when_the_difference_is_nothing_stripe_would_charge(featured_price):
    plan("Featured", 1, usd=featured_price)
    assert UPGRADE.listing(paid(9900)) is None


def test_not_offered_without_a_featured_plan_in_that_currency():
    plan("Featured", 1, eur=14900)
    assert UPGRADE.listing(paid(9900, currency="usd")) is None
    assert UPGRADE.listing(paid(9900, currency="eur")) is not None


def test_not_offered_before_the_first_payment_is_settled():
    plan("Featured", 1, usd=14900)
    posting = posting_at(Status.PUBLISHED)
    attempt_for(posting, session_id="cs_open")  # open, not paid
    assert UPGRADE.listing(posting) is None

"""The plan step decides from the plans offered whether it is shown, when it is done, and
in which currency its prices start."""

import pytest

from tests.plans import make_plan, standard_and_featured
from wizard.flow.order import FLOW
from wizard.flow.steps.plan import default_currency
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db

STEP = FLOW["plan"]


def test_a_board_without_plans_never_shows_it():
    assert not STEP.is_applicable(JobPosting())
    assert STEP not in FLOW.applicable(JobPosting())


def test_one_plan_in_one_currency_is_no_choice():
    make_plan("Only", {"eur": 4900})
    assert not STEP.is_applicable(JobPosting())


def test_two_plans_are_a_choice():
    make_plan("One", {"eur": 4900})
    make_plan("Two", {"eur": 9900})
    assert STEP.is_applicable(JobPosting())


def test_one_plan_in_two_currencies_is_a_choice():
    make_plan("Only", {"eur": 4900, "gbp": 3900})
    assert STEP.is_applicable(JobPosting())


def test_it_sits_after_the_steps_before_it_and_before_payment():
    standard_and_featured()
    names = [step.name for step in FLOW.applicable(JobPosting())]
    assert names.index("details") < names.index("plan") < names.index("payment")
    assert names.index("logo") < names.index("plan")


def test_complete_once_a_plan_offered_is_chosen():
    standard, featured = standard_and_featured()
    posting = JobPosting()
    assert not STEP.is_complete(posting)
    posting.plan, posting.currency = featured, "gbp"
    assert STEP.is_complete(posting)


def test_a_retired_plan_undoes_the_step_and_keeps_it_shown():
    make_plan("Only", {"eur": 4900})
    retired = make_plan("Old", {"eur": 2900}, active=False)
    posting = JobPosting(plan=retired, currency="eur")
    assert not STEP.is_complete(posting)
    assert STEP.is_applicable(posting)  # one plan left, yet the employer must choose again


def test_a_plan_no_longer_sold_in_the_currency_chosen_undoes_the_step():
    standard, _ = standard_and_featured()
    posting = JobPosting(plan=standard, currency="gbp")
    assert STEP.is_complete(posting)
    standard.prices.filter(currency="gbp").delete()
    assert not STEP.is_complete(JobPosting(plan=standard, currency="gbp"))


@pytest.mark.parametrize(
    "country,expected",
    [("DE", "eur"), ("GB", "gbp"), ("US", "usd"), ("JP", "usd"), ("", "usd")],
)
def test_the_currency_starts_as_the_office_countrys_when_a_plan_is_sold_in_it(
    country, expected, settings
):
    settings.POSTING_PRICE_CURRENCY = "usd"
    standard_and_featured()
    assert default_currency(JobPosting(country=country)) == expected


def test_without_a_price_in_the_settings_currency_the_first_currency_sold(settings):
    settings.POSTING_PRICE_CURRENCY = "usd"
    make_plan("One", {"gbp": 4900, "eur": 5900})
    assert default_currency(JobPosting(country="JP")) == "eur"


def test_a_currency_chosen_wins_over_the_country():
    standard_and_featured()
    assert default_currency(JobPosting(country="DE", currency="gbp")) == "gbp"


def test_fill_in_picks_the_first_plan():
    standard, _ = standard_and_featured()
    posting = JobPosting(country="GB")
    STEP.fill_in(posting)
    assert (posting.plan, posting.currency) == (standard, "gbp")
    assert STEP.is_complete(posting)


def test_the_answer_names_plan_price_and_days():
    _, featured = standard_and_featured()
    posting = JobPosting(pk="00000000-0000-0000-0000-000000000001", plan=featured, currency="eur")
    [answer] = STEP.answers(posting)
    assert (answer.label, answer.value) == ("Plan", "Featured, EUR 147.00, 60 days")

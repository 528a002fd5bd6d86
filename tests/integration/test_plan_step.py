"""The plan step's page: GOV.UK radios with each plan's name, price, days, featured line
and what it includes; prices in another currency by a GET form (no JavaScript needed);
a choice saved under the lock; refusals with the error summary; a retired plan sends
the employer back here with a clear message."""

import re
from types import SimpleNamespace

import pytest

from tests.conftest import step_url
from tests.factories import own, posting_at, posting_reaching
from tests.integration.test_payment import pay_form
from tests.integration.test_query_budget import HTMX, WIZARD_MAX_QUERIES, data_queries
from tests.plans import make_plan, standard_and_featured
from tests.walk import walk_to
from wizard.flow.duplicate import duplicate
from wizard.flow.order import FLOW
from wizard.models import JobPosting, PaymentAttempt, Status
from wizard.payments import checkout
from wizard.postings import plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered():
    return standard_and_featured()


@pytest.fixture
def posting(client, offered):
    posting = posting_reaching("plan", country="DE")
    own(client, posting)
    return posting


def page(client, posting, query=""):
    response = client.get(step_url("plan", posting) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_walk_reaches_it_after_the_steps_before_it(client, posting):
    posting = JobPosting.objects.get(pk=posting.pk)
    assert posting.plan_id is None
    response = client.get(step_url("payment", posting))
    assert response.status_code == 302 and response["Location"] == step_url("plan", posting)


def test_each_plan_is_a_radio_with_its_price_in_the_office_countrys_currency(client, posting):
    html = page(client, posting)
    assert "<legend>Which plan do you want?</legend>" in html
    assert re.search(
        r'<input class="radios__input" type="radio" name="plan" value="\d+" id="id_plan"', html
    )
    assert "<strong>Standard</strong>: EUR 99.00 for 30 days on the board" in html
    assert "<strong>Featured</strong>: EUR 147.00 for 60 days on the board" in html
    assert "Featured: pinned at the top of the board" in html
    assert "<li>Sent to search engines</li>" in html and "<li>Pinned at the top</li>" in html
    assert '<input type="hidden" name="currency" value="eur">' in html
    assert html.count('type="radio" name="plan"') == 2


def test_prices_in_another_currency_by_a_get_form(client, posting):
    html = page(client, posting)
    assert re.search(r'<form class="plan-currency" method="get" action="[^"]+/plan/"', html)
    assert '<label for="id_prices_in">Prices in</label>' in html
    assert '<option value="gbp">GBP</option>' in html
    html = page(client, posting, "?currency=gbp")
    assert "<strong>Standard</strong>: GBP 85.00 for 30 days" in html
    assert '<option value="gbp" selected>' in html
    assert '<input type="hidden" name="currency" value="gbp">' in html
    # A currency no plan is sold in falls back to the default one.
    assert "EUR 99.00" in page(client, posting, "?currency=xyz")


def next_step_url(posting):
    """Where the flow goes after the plan step (payment, or a step added between)."""
    posting = JobPosting.objects.get(pk=posting.pk)
    return FLOW.first_incomplete(posting).url(posting)


def test_choosing_a_plan_stores_plan_and_currency_and_goes_on(client, posting, offered):
    _, featured = offered
    response = client.post(step_url("plan", posting), {"plan": featured.pk, "currency": "gbp"})
    assert response.status_code == 302 and response["Location"] == next_step_url(posting)
    posting = JobPosting.objects.get(pk=posting.pk)
    assert (posting.plan, posting.currency) == (featured, "gbp")
    assert FLOW["plan"].is_complete(posting)
    assert posting.status == FLOW.status_before_payment(posting)
    assert posting.price == (12900, "gbp")
    log = posting.transitions.last()
    assert log.reason == "Plan chosen: Featured, GBP 129.00, 60 days"
    # Shown again, the choice is checked.
    html = page(client, posting, "?currency=gbp")
    assert re.search(rf'value="{featured.pk}"[^>]*checked', html)


def test_the_review_and_payment_page_show_what_is_bought(client, posting, offered):
    _, featured = offered
    client.post(step_url("plan", posting), {"plan": featured.pk, "currency": "eur"})
    walk_to(client, posting, "payment")
    html = client.get(step_url("payment", posting)).content.decode()
    assert '<dt class="summary-list__key">Plan</dt>' in html
    assert "Featured, EUR 147.00, 60 days" in html
    assert (
        "You are buying <strong>Featured</strong>: 60 days on the board, pinned at the top." in html
    )
    assert "Pay EUR 147.00" in html
    assert f'href="{step_url("plan", posting)}?change=1#id_plan"' in html


def test_no_plan_chosen_is_refused_with_the_error_summary(client, posting):
    response = client.post(step_url("plan", posting), {"currency": "eur"})
    assert response.status_code == 422
    html = response.content.decode()
    assert '<a href="#id_plan">Choose a plan.</a>' in html
    assert 'id="id_plan_error"' in html
    assert JobPosting.objects.get(pk=posting.pk).plan_id is None


def test_a_plan_not_sold_in_the_currency_is_refused(client, posting):
    only_eur = make_plan("Euro only", {"eur": 1900}, order=5)
    response = client.post(step_url("plan", posting), {"plan": only_eur.pk, "currency": "gbp"})
    assert response.status_code == 422
    assert "That plan is not offered in this currency" in response.content.decode()
    assert JobPosting.objects.get(pk=posting.pk).plan_id is None


def test_htmx_swaps_the_panel(client, posting, offered):
    html = client.get(step_url("plan", posting) + "?currency=usd", **HTMX).content.decode()
    assert "<strong>Standard</strong>: USD 99.00" in html and "<html" not in html


def test_the_page_is_within_the_query_budget(client, posting):
    plans.active_plans()  # read once a few minutes by any page
    for htmx in (False, True):
        with data_queries() as queries:
            response = client.get(step_url("plan", posting), **(HTMX if htmx else {}))
        assert response.status_code == 200
        assert len(queries) <= WIZARD_MAX_QUERIES, queries


def test_a_retired_plan_sends_the_draft_back_to_the_step_with_a_message(client, offered):
    _, featured = offered
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    JobPosting.objects.filter(pk=posting.pk).update(plan=featured, currency="eur")
    form = pay_form(posting)
    featured.active = False
    featured.save()

    response = client.post(step_url("payment", posting), form)
    assert response.status_code == 302 and response["Location"] == step_url("plan", posting)
    assert not PaymentAttempt.objects.exists()  # no checkout
    html = page(client, posting)
    assert "The plan you chose is no longer offered. Please choose a plan again." in html
    assert "Featured" not in html.split("<h1>", 1)[1].split("</form>", 2)[1]


def test_a_retired_plan_with_no_choice_left_still_shows_the_step(client):
    only = make_plan("Only", {"eur": 4900})
    old = make_plan("Old", {"eur": 2900}, order=1)
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    JobPosting.objects.filter(pk=posting.pk).update(plan=old, currency="eur")
    old.active = False
    old.save()
    response = client.get(step_url("payment", posting))
    assert response["Location"] == step_url("plan", posting)
    response = client.post(step_url("plan", posting), {"plan": only.pk, "currency": "eur"})
    assert response["Location"] == next_step_url(posting)


def test_plan_not_offered_at_pay_gets_a_clear_message_and_no_checkout(
    client, offered, fakestripe, monkeypatch
):
    """Retired between the page's check and the reservation (under the lock): Pay says so
    and opens no checkout."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    monkeypatch.setattr(checkout, "plans", SimpleNamespace(listing_for=lambda posting: None))
    response = client.post(step_url("payment", posting), pay_form(posting))
    assert response.status_code == 409
    assert "The plan you chose is no longer offered" in response.content.decode()
    assert not PaymentAttempt.objects.exists()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.READY_TO_PAY


def test_a_copy_keeps_the_plan_and_currency_while_offered(client, offered):
    standard, featured = offered
    source = posting_at(Status.IN_REVIEW, plan=featured, currency="gbp")
    assert (duplicate(source).plan, duplicate(source).currency) == (featured, "gbp")
    featured.active = False
    featured.save()
    copy = duplicate(source)
    assert (copy.plan_id, copy.currency) == (None, "")


def test_the_payment_page_with_a_plan_is_within_the_query_budget(client, offered, fakestripe):
    _, featured = offered
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    JobPosting.objects.filter(pk=posting.pk).update(plan=featured, currency="eur")
    plans.active_plans()
    for opened in (False, True):
        if opened:  # an open checkout: what is bought is read from its attempt
            client.post(step_url("payment", posting), pay_form(posting))
        with data_queries() as queries:
            response = client.get(step_url("payment", posting))
        assert response.status_code == 200
        assert "You are buying <strong>Featured</strong>" in response.content.decode()
        assert len(queries) <= WIZARD_MAX_QUERIES, queries

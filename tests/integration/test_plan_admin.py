"""Staff keep plans in the admin: prices per currency typed in the currency's units and
checked as Stripe would, the list with every price formatted, retiring (an action and the
field), no deletion of a plan with payments, and a permission to change plans."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from tests.attempts import attempt_for
from tests.factories import posting_at
from tests.plans import make_plan, standard_and_featured
from wizard.flow.order import FLOW
from wizard.models import JobPosting, PaymentAttempt, Status
from wizard.postings import plans
from wizard.postings.plans import Plan, PlanPrice

pytestmark = pytest.mark.django_db

ADD = "/admin/wizard/plan/add/"
LIST = "/admin/wizard/plan/"


def form(name="Premium", prices=(), **fields):
    data = {
        "name": name,
        "includes": "Pinned\nSent to search engines",
        "lifetime_days": "45",
        "order": "0",
        "active": "on",
        "prices-TOTAL_FORMS": str(len(prices)),
        "prices-INITIAL_FORMS": "0",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for n, (currency, amount) in enumerate(prices):
        data[f"prices-{n}-currency"] = currency
        data[f"prices-{n}-amount"] = amount
    return data


def paid_with(posting, plan, n=0):
    attempt = attempt_for(posting, session_id=f"cs_{n}", payment_intent_id=f"pi_{n}")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(plan=plan)


def test_staff_add_a_plan_with_prices_in_the_currencys_units(admin_client):
    response = admin_client.post(
        ADD,
        form(prices=[("EUR", "49.00"), ("jpy", "4900"), ("kwd", "15.250")], featured="on"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get(name="Premium")
    assert (plan.lifetime_days, plan.featured, plan.included) == (
        45,
        True,
        ["Pinned", "Sent to search engines"],
    )
    assert {(p.currency, p.amount) for p in plan.prices.all()} == {
        ("eur", 4900),
        ("jpy", 4900),
        ("kwd", 15250),
    }
    assert [p.name for p in plans.active_plans()] == ["Premium"]  # the cache followed


@pytest.mark.parametrize(
    "currency,amount,message",
    [
        ("eur", "0.20", "EUR 0.20 is under Stripe&#39;s minimum charge of EUR 0.50"),
        ("eur", "49.001", "EUR has fewer decimals than 49.001"),
        ("jpy", "49.5", "JPY has fewer decimals than 49.5"),
        ("kwd", "9.995", "not a multiple of KWD 0.010"),
        ("xxx", "10", "Stripe does not take &#39;XXX&#39;"),
        ("usd", "1000000.00", "over Stripe&#39;s maximum charge"),
    ],
)
def test_a_price_stripe_would_refuse_is_refused(admin_client, currency, amount, message):
    response = admin_client.post(ADD, form(prices=[(currency, amount)]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Plan.objects.exists()


def test_two_prices_in_one_currency_are_refused(admin_client):
    response = admin_client.post(ADD, form(prices=[("eur", "49.00"), ("eur", "59.00")]))
    assert response.status_code == 200
    assert not Plan.objects.exists()


def test_the_change_page_shows_each_price_in_units_and_formatted(admin_client):
    plan = make_plan("Local", {"jpy": 4900, "kwd": 15250})
    html = admin_client.get(f"{LIST}{plan.pk}/change/").content.decode()
    assert 'value="4900"' in html and 'value="15.250"' in html
    assert "JPY 4,900" in html and "KWD 15.250" in html


def test_the_list_shows_days_featured_prices_active_and_paid_postings(admin_client):
    standard, featured = standard_and_featured()
    for n in range(2):
        posting = posting_at(Status.IN_REVIEW)
        paid_with(posting, featured, n)
    html = admin_client.get(LIST).content.decode()
    assert "EUR 147.00 · GBP 129.00 · USD 149.00" in html
    assert "EUR 99.00 · GBP 85.00 · USD 99.00" in html
    row = next(row for row in html.split("<tr")[1:] if re.search(r"field-name.*>Featured</a>", row))
    assert '<td class="field-lifetime_days">60</td>' in row
    assert '<td class="field-paid_postings">2</td>' in row


def test_retiring_by_the_action_keeps_the_plan_and_stops_offering_it(admin_client):
    standard, featured = standard_and_featured()
    response = admin_client.post(
        LIST, {"action": "retire", "_selected_action": [featured.pk]}, follow=True
    )
    assert "1 plan retired" in response.content.decode()
    featured.refresh_from_db()
    assert featured.active is False
    assert [p.plan for p in plans.offered("eur")] == [standard]


def test_a_plan_with_payments_cannot_be_deleted_and_says_why(admin_client):
    _, featured = standard_and_featured()
    paid_with(posting_at(Status.IN_REVIEW), featured)
    response = admin_client.post(f"{LIST}{featured.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "has payments, so it cannot be deleted" in response.content.decode()
    assert Plan.objects.filter(pk=featured.pk).exists()
    # The list's bulk delete neither fails nor deletes it.
    response = admin_client.post(
        LIST, {"action": "delete_selected", "_selected_action": [featured.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert Plan.objects.filter(pk=featured.pk).exists()


def test_a_plan_without_payments_can_be_deleted(admin_client):
    plan = make_plan("Trial", {"eur": 100})
    response = admin_client.post(f"{LIST}{plan.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Plan.objects.exists() and not PlanPrice.objects.exists()


def test_a_plan_only_chosen_by_a_draft_can_be_deleted_and_the_draft_chooses_again(
    admin_client,
):
    """A draft's choice is not a payment: it does not keep the plan. The draft forgets it
    (SET_NULL) and its plan step is to do again."""
    standard, featured = standard_and_featured()
    draft = posting_at(Status.READY_TO_PAY)
    JobPosting.objects.filter(pk=draft.pk).update(plan=featured, currency="eur")
    response = admin_client.post(f"{LIST}{featured.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Plan.objects.filter(pk=featured.pk).exists()
    draft = JobPosting.objects.get(pk=draft.pk)
    assert draft.plan is None
    assert not FLOW["plan"].is_complete(draft)


def test_staff_need_the_permission_to_change_plans(client):
    staff = User.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(ADD).status_code == 403
    for codename in (
        "add_plan",
        "change_plan",
        "view_plan",
        "add_planprice",
        "change_planprice",
        "view_planprice",
        "delete_planprice",
    ):
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    staff = User.objects.get(pk=staff.pk)
    client.force_login(staff)
    assert client.get(ADD).status_code == 200
    assert re.search(r"Add plan", client.get(ADD).content.decode())


def test_demo_plans_are_made_for_a_development_board_without_plans(settings):
    settings.DEBUG = False
    call_command("demo_plans", stdout=StringIO())
    assert not Plan.objects.exists()  # never in production
    settings.DEBUG = True
    call_command("demo_plans", stdout=StringIO())
    made = {
        plan.name: (plan.lifetime_days, plan.featured, {p.currency for p in plan.prices.all()})
        for plan in Plan.objects.all()
    }
    assert made == {
        "Standard": (30, False, {"eur", "gbp", "usd"}),
        "Featured": (30, True, {"eur", "gbp", "usd"}),
    }
    call_command("demo_plans", stdout=StringIO())  # plans exist: none added
    assert Plan.objects.count() == 2

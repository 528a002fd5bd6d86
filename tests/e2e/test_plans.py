"""Choosing each plan and paying for it in Chromium: the plan step's radios in the office
country's currency (Germany: EUR), prices in another currency, the review naming what is
bought, Checkout charging the plan's price, and the attempt recording its days and
featured flag; with screenshots."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, pay
from tests.e2e.walk import complete_steps
from tests.plans import standard_and_featured
from wizard.models import JobPosting, PaymentAttempt, Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "plan,currency,price,days,featured",
    [
        ("Standard", "EUR", "EUR 99.00", 30, False),
        ("Featured", "GBP", "GBP 129.00", 60, True),
    ],
)
def test_choose_each_plan_and_pay(browser, app, task_worker, plan, currency, price, days, featured):
    standard_and_featured()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    complete_steps(page, "plan")

    # Berlin, from the details: prices in euros first.
    expect(page.get_by_role("heading", name="Choose your plan")).to_be_visible()
    expect(page.get_by_label("Prices in")).to_have_value("eur")
    expect(page.get_by_text("EUR 99.00 for 30 days on the board")).to_be_visible()
    expect(page.get_by_text("Featured: pinned at the top of the board")).to_be_visible()
    page.screenshot(path=screenshot_path("plan-step"), full_page=True, caret="initial")

    # Nothing chosen: the error summary says what to do.
    page.get_by_role("button", name="Continue").click()
    expect(
        page.locator(".error-summary").get_by_role("link", name="Choose a plan.")
    ).to_be_visible()

    if currency != "EUR":
        page.get_by_label("Prices in").select_option(currency.lower())
        page.get_by_role("button", name="Show prices").click()
        expect(page.get_by_text(f"{price} for {days} days on the board")).to_be_visible()
        page.screenshot(
            path=screenshot_path(f"plan-step-{currency.lower()}"), full_page=True, caret="initial"
        )
    page.get_by_role("radio", name=re.compile(rf"^{plan}:")).check()
    page.get_by_role("button", name="Continue").click()

    complete_steps(page, "payment", after="plan")  # any step added before payment too
    expect(page.locator(".bought")).to_contain_text(f"You are buying {plan}: {days} days")
    expect(page.locator(".summary-list")).to_contain_text(f"{plan}, {price}, {days} days")
    page.screenshot(
        path=screenshot_path(f"plan-review-{plan.lower()}"), full_page=True, caret="initial"
    )
    page.get_by_role("button", name=f"Pay {price}").click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))
    expect(page.get_by_text(plan).first).to_be_visible()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    expect(page.get_by_text(f"stays there for {days} days")).to_be_visible()

    posting = JobPosting.objects.get()
    attempt = PaymentAttempt.objects.get(posting=posting)
    assert posting.status == Status.IN_REVIEW and posting.plan.name == plan
    assert (attempt.plan.name, attempt.currency, attempt.amount_display) == (
        plan,
        currency.lower(),
        price,
    )
    assert (attempt.days, attempt.featured) == (days, featured)
    page.close()

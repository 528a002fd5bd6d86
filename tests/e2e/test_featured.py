"""Featured listings as people see them: pinned first on the board above a newer standard
posting, the marker on the board and the job page (read by a screen reader as "Featured
job: <title>", checked with axe at both sizes), and a live
standard posting upgraded from the employer's account page and paid at Stripe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts import employer
from tests.attempts import attempt_for
from tests.e2e.accounts import signed_in
from tests.e2e.test_every_page import SIZES, Visitor
from tests.factories import posting_at
from wizard.models import Actor, JobPosting, PaymentAttempt, Status
from wizard.postings import review
from wizard.postings.money import money
from wizard.postings.plans import Plan, PlanPrice

pytestmark = pytest.mark.django_db(transaction=True)


def sell_plans():
    standard = Plan.objects.create(name="Standard", lifetime_days=30, order=1)
    featured = Plan.objects.create(name="Featured", lifetime_days=30, featured=True, order=2)
    PlanPrice.objects.create(plan=standard, currency="usd", amount=9900)
    PlanPrice.objects.create(plan=featured, currency="usd", amount=14900)
    return standard, featured


def published(plan, account=None, **fields):
    """A posting bought with `plan` (its first payment settled) and approved."""
    posting = posting_at(Status.IN_REVIEW, employer=account, **fields)
    attempt = attempt_for(posting, session_id=f"cs_{posting.pk.hex}", payment_intent_id="pi_x")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        plan=plan, price=plan.price_in("usd"), amount=plan.price_in("usd"), featured=plan.featured
    )
    return review.approve(posting.pk, by=Actor.system())


@pytest.mark.parametrize("size", list(SIZES))
def test_a_featured_posting_is_marked_on_the_board_and_its_page(browser, live_server, size):
    standard, featured = sell_plans()
    pinned = published(featured, title="Head baker")
    JobPosting.objects.filter(pk=pinned.pk).update(published_at=timezone.now() - timedelta(days=2))
    published(standard, title="Pastry cook")  # newer, standard
    context = browser.new_context(viewport=SIZES[size])
    visitor = Visitor(context, size, live_server.url)
    page = visitor.page

    visitor.goto("/")
    # The marker is part of the link's accessible name, not a colour or an icon alone.
    link = page.get_by_role("link", name="Featured job: Head baker")
    expect(link).to_be_visible()
    expect(page.get_by_role("link", name="Pastry cook", exact=True)).to_be_visible()
    expect(page.get_by_test_id("featured-tag")).to_have_count(1)
    # Pinned: the featured posting, two days old, is listed before the newer standard one.
    expect(page.locator(".job-card__title")).to_have_text(
        ["Featured job: Head baker", "Pastry cook"]
    )
    card = page.locator(".job-card--featured")
    expect(card).to_have_count(1)
    assert card.evaluate("card => getComputedStyle(card).borderLeftWidth") == "6px"
    visitor.check("board-featured")

    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Head baker")
    expect(page.get_by_test_id("featured-tag")).to_have_text("Featured job")
    visitor.check("job-featured")
    visitor.assert_no_problems()
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_upgrading_a_live_posting_from_the_account_page(browser, app, size):
    standard, _ = sell_plans()
    owner = employer("owner@example.com")
    posting = published(standard, owner, title="Bread maker")
    context = signed_in(browser.new_context(viewport=SIZES[size]), app.url, owner)
    visitor = Visitor(context, size, app.url)
    page = visitor.page

    visitor.goto(f"/account/postings/{posting.pk}/")
    page.get_by_role("link", name="Feature this posting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Feature")
    expect(page.get_by_text("pinned at the top of the board")).to_be_visible()
    expect(page.get_by_test_id("upgrade-price")).to_have_text(money(5000, "usd"))
    visitor.check("feature")
    assert not PaymentAttempt.objects.filter(purpose="upgrade").exists()  # a GET starts nothing

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_label("Card number").fill("4242424242424242")
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", name="Your posting is now featured")).to_be_visible()
    expect(page.get_by_test_id("upgrade-paid")).to_contain_text(f"You paid {money(5000, 'usd')}")
    visitor.check("featured")
    assert JobPosting.objects.get(pk=posting.pk).featured

    page.get_by_role("link", name="See it on the board").click()
    expect(page.get_by_test_id("featured-tag")).to_have_text("Featured job")
    visitor.assert_no_problems()
    context.close()

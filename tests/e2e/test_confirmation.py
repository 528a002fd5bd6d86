"""The confirmation page as a person sees it, at both sizes, with and without JavaScript:
the panel with the short reference, resend folded under "Didn't get the email?", a quiet
withdraw link, the ledger's "Not needed" after a withdrawal, and times in the browser's
time zone."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_every_page import SIZES, Visitor
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from wizard.jobs.models import Job
from wizard.models import JobPosting, Status
from wizard.postings.links import make_manage_token

pytestmark = pytest.mark.django_db(transaction=True)

BROWSER_ZONE = "America/New_York"  # the posting is in Germany: the page starts in CET


@pytest.fixture
def in_review(app, fakestripe):
    """Paid through fakestripe (so it can be refunded), its receipt sent."""
    posting = posting_at(Status.READY_TO_PAY, country="DE", city="Berlin")
    client = Client()
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    Job.objects.filter(posting=posting).update(
        state=Job.State.SENT, attempts=1, target=posting.contact_email, sent_at=timezone.now()
    )
    return JobPosting.objects.get(pk=posting.pk)


def visit(browser, app, size):
    context = browser.new_context(viewport=SIZES[size], timezone_id=BROWSER_ZONE)
    return context, Visitor(context, size, app.url)


def open_confirmation(visitor, posting):
    visitor.goto(reverse("wizard:manage", args=[make_manage_token(posting)]))
    expect(visitor.page).to_have_url(re.compile(r"/confirmation/$"))


@pytest.mark.parametrize("size", list(SIZES))
def test_the_panel_resend_and_withdraw_with_javascript(browser, app, in_review, size):
    context, v = visit(browser, app, size)
    page = v.page
    open_confirmation(v, in_review)
    panel = page.locator(".confirmation-panel")
    expect(panel.get_by_role("heading", level=1, name="Your job is in review")).to_be_visible()
    expect(panel).to_contain_text(in_review.reference)
    assert str(in_review.pk) not in page.locator("main").inner_text()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.get_by_role("link", name="Post another job")).to_be_visible()

    # Times: the server's CET, rewritten in the browser's zone.
    paid = page.locator("li", has_text="Payment confirmed").locator("time")
    expect(paid).to_have_attribute("data-local", "true")
    local = in_review.paid_at.astimezone(ZoneInfo(BROWSER_ZONE))
    expect(paid).to_contain_text(f"{local:%H:%M}")
    expect(paid).not_to_contain_text("CET")
    assert re.search(r"(GMT-[45]|EST|EDT)$", paid.inner_text()), paid.inner_text()

    # Resend is folded away until asked for.
    resend = page.get_by_role("button", name="Send the confirmation again")
    expect(resend).to_be_hidden()
    page.get_by_text("Didn't get the email?").click()
    expect(resend).to_be_visible()
    v.check("confirmation-panel")

    # Withdraw is a quiet red link-button, and still asks first.
    withdraw = page.get_by_role("button", name="Withdraw before review")
    assert withdraw.get_attribute("class").split() == ["link-button", "link-button--danger"]
    withdraw.click()
    page.get_by_role("button", name="Yes, withdraw and refund").click()
    expect(page.get_by_text("Your posting is withdrawn")).to_be_visible()
    assert_not_needed(page)
    v.check("confirmation-withdrawn")
    v.assert_no_problems()
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_same_page_without_javascript(browser, app, in_review, size):
    """Checked without the Visitor: axe and its CSP listener need a page's script."""
    context = browser.new_context(
        viewport=SIZES[size], java_script_enabled=False, timezone_id=BROWSER_ZONE
    )
    page = context.new_page()
    page.goto(app.url + reverse("wizard:manage", args=[make_manage_token(in_review)]))
    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    expect(page.locator(".confirmation-panel")).to_contain_text(in_review.reference)
    paid = page.locator("li", has_text="Payment confirmed").locator("time")
    berlin = in_review.paid_at.astimezone(ZoneInfo("Europe/Berlin"))
    expect(paid).to_have_text(re.compile(rf"{berlin:%H:%M} CES?T$"))

    page.get_by_text("Didn't get the email?").click()  # <details> needs no script
    expect(page.get_by_role("button", name="Send the confirmation again")).to_be_visible()
    page.screenshot(path=screenshot_path(f"confirmation-panel-nojs-{size}"), full_page=True)

    page.get_by_role("button", name="Withdraw before review").click()
    page.get_by_role("button", name="Yes, withdraw and refund").click()
    expect(page.get_by_text("Your posting is withdrawn")).to_be_visible()
    assert_not_needed(page)
    page.screenshot(path=screenshot_path(f"confirmation-withdrawn-nojs-{size}"), full_page=True)
    context.close()


def assert_not_needed(page):
    """Review and publication will not happen: a neutral mark and "Not needed", last."""
    ledger = page.get_by_role("list", name="What has happened")
    items = ledger.get_by_role("listitem")
    for label in ("Reviewed", "Published on the board"):
        item = items.filter(has_text=label)
        expect(item).to_contain_text("Not needed")
        expect(item.locator(".ledger__mark")).to_have_text("–")
    expect(items.last).to_contain_text("Published on the board")
    expect(items.filter(has_text="Reviewed")).to_contain_text("withdrawn before review")

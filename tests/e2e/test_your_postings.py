"""'Your postings' in Chromium (issue 20, items 3 and 6), at a desktop's width and a
phone's: the list by state, a row opening its posting's page, a draft continued at its
step, the payments; no page scrolls sideways on a phone. Screenshots of each."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts import employer
from tests.attempts import attempt_for
from tests.e2e.accounts import signed_in
from tests.e2e.conftest import screenshot_path
from tests.factories import posting_at
from wizard.flow.order import FLOW
from wizard.models import DailyNumbers, JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def signed_in_context(browser, live_server, account, size):
    """A browser at `size` signed in to `account`, as a finished sign-in leaves it."""
    return signed_in(browser.new_context(viewport=SIZES[size]), live_server.url, account)


def seed(account):
    now = timezone.now()
    draft = posting_at("logo_ready", employer=account, title="Backend developer (draft)")
    posting_at(Status.IN_REVIEW, employer=account, title="Data engineer")
    posting_at(
        Status.REJECTED,
        employer=account,
        title="Too vague",
        rejection_reason="The description does not say what the job is.",
    )
    live = posting_at(
        Status.PUBLISHED,
        employer=account,
        title="Senior Django Engineer with a rather long title that must wrap on a phone",
        published_at=now - timedelta(days=3),
        expires_at=now + timedelta(days=27),
        slug="senior-django-engineer-acme",
    )
    attempt = attempt_for(live, session_id="cs_live", payment_intent_id="pi_live")
    attempt.receipt_url = "https://pay.stripe.com/receipts/r_live"
    attempt.save()
    DailyNumbers.objects.create(posting=live, day=date.today(), views=42, apply_clicks=5)
    for n in range(26):
        older = now - timedelta(days=60 + n)
        posting_at(
            Status.EXPIRED,
            employer=account,
            title=f"Older job {n}",
            published_at=older,
            expires_at=older + timedelta(days=30),
        )
    JobPosting.objects.filter(title__startswith="Older job").update(
        created_at=now - timedelta(days=90)
    )
    return draft, live


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", SIZES)
def test_your_postings_at_each_width(browser, live_server, size):
    account = employer(company_name="Acme Corp")
    draft, live = seed(account)
    context = signed_in_context(browser, live_server, account, size)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/postings/")

    expect(page.get_by_role("heading", name="Your postings", level=1)).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    live_row = page.get_by_role("row").filter(has_text=live.title)
    expect(live_row).to_contain_text("Live")
    expect(live_row).to_contain_text("42 views, 5 apply clicks")
    expect(page.get_by_role("row").filter(has_text="Too vague")).to_contain_text(
        "Reason: The description does not say what the job is."
    )
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_path(f"your-postings-{size}"), full_page=True)

    page.get_by_role("link", name="Live 1").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the head and the live posting
    page.get_by_role("link", name=live.title).click()
    expect(page.get_by_role("heading", name=live.title, level=1)).to_be_visible()
    expect(page.get_by_role("list", name="What has happened")).to_be_visible()
    expect(page.get_by_role("link", name="Receipt")).to_have_attribute(
        "href", "https://pay.stripe.com/receipts/r_live"
    )
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_path(f"your-posting-live-{size}"), full_page=True)

    page.get_by_role("link", name="Payments").click()
    expect(page.get_by_role("heading", name="Payments", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="USD 99.00")).to_be_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_path(f"your-payments-{size}"), full_page=True)

    # The account's own section links (the header has a "Your postings" link too).
    sections = page.get_by_role("navigation", name="Account pages")
    sections.get_by_role("link", name="Your postings").click()
    page.get_by_role("link", name="Drafts 1").click()
    page.get_by_role("link", name=f"Continue {draft.title}").click()
    expect(page).to_have_url(f"{live_server.url}{FLOW.first_incomplete(draft).url(draft)}")
    context.close()


def test_the_company_profile_and_the_empty_list_on_a_phone(browser, live_server):
    account = employer()
    context = signed_in_context(browser, live_server, account, "phone")
    page = context.new_page()
    page.goto(f"{live_server.url}/account/postings/")
    expect(page.get_by_role("heading", name="You have no postings yet")).to_be_visible()
    page.screenshot(path=screenshot_path("your-postings-empty-phone"), full_page=True)

    page.get_by_role("link", name="Company profile").click()
    page.get_by_label("Website").fill("not a website")
    page.get_by_role("button", name="Save company profile").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_path("company-profile-error-phone"), full_page=True)
    page.get_by_label("Company name").fill("Acme Corp")
    page.get_by_label("Website").fill("https://acme.example")
    page.get_by_role("button", name="Save company profile").click()
    expect(page.get_by_text("Company profile saved.")).to_be_visible()
    context.close()

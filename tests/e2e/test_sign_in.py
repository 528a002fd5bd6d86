"""Signing in in a browser, at desktop and phone widths: by code (the address, a wrong
code and its error summary, the right code, the header signed in, signed out), and by the
emailed link (its page, then the postings found for the address, added). Each page is
checked (axe, width, CSP) and photographed."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_every_page import SIZES, Visitor
from tests.factories import posting_at
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)


def snap(visitor, name):
    visitor.check(f"sign-in-{name}", screenshot=False)
    path = screenshot_path(f"sign-in/{name}-{visitor.size}")
    visitor.page.screenshot(path=path, full_page=True, caret="initial")


@pytest.mark.parametrize("size", list(SIZES))
def test_sign_in_by_code(browser, live_server, run_tasks, size):
    context = browser.new_context(viewport=SIZES[size])
    visitor = Visitor(context, size, live_server.url)
    page = visitor.page

    visitor.goto("/account/sign-in/?next=/post/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your email address")
    expect(page.locator(".account-nav")).to_have_text(re.compile(r"^\s*Sign in\s*$"))
    snap(visitor, "1-address")

    page.get_by_label("Email address").fill("Boss@Example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text("boss@example.com")
    snap(visitor, "2-check-your-email")

    run_tasks()
    (message,) = [m for m in mail.outbox if "sign-in code" in m.subject]
    code = re.search(r"\b(\d{6})\b", message.subject).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("The code is not right")
    expect(summary).to_be_focused()
    snap(visitor, "3-wrong-code")

    summary.get_by_role("link").click()  # the summary leads to the field
    expect(page.get_by_label("Code")).to_be_focused()
    page.get_by_label("Code").fill(f"{code[:3]} {code[3:]}")  # as an email client may show it
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/post/$"))
    nav = page.locator(".account-nav")
    expect(nav.get_by_role("link", name="Your postings")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    snap(visitor, "4-signed-in")

    nav.get_by_role("button", name="Sign out").click()
    expect(page.locator(".messages")).to_contain_text("You have signed out")
    expect(page.locator(".account-nav")).to_have_text(re.compile(r"^\s*Sign in\s*$"))
    snap(visitor, "5-signed-out")

    visitor.assert_no_problems()
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_sign_in_by_link_and_add_the_postings_found(browser, live_server, run_tasks, size):
    paid = posting_at(
        Status.IN_REVIEW,
        title="Backend Engineer",
        company_name="Acme",
        contact_email="boss@example.com",
        paid_at=timezone.now(),
    )
    context = browser.new_context(viewport=SIZES[size])
    visitor = Visitor(context, size, live_server.url)
    page = visitor.page
    visitor.goto("/account/sign-in/")
    page.get_by_label("Email address").fill("boss@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    run_tasks()
    (message,) = [m for m in mail.outbox if "sign-in code" in m.subject]
    link = re.search(r"https?://[^/\s]+(/account/sign-in/[^/\s]+/)", message.body).group(1)

    visitor.goto(link)  # as a mail scanner would, first: nothing happens
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Jobwizard")
    snap(visitor, "6-link")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "We found 1 posting sent to this address"
    )
    expect(page.locator("main")).to_contain_text("Backend Engineer")
    snap(visitor, "7-postings-found")
    page.get_by_role("button", name="Add it to my account").click()
    expect(page).to_have_url(re.compile(r"/account/postings/$"))  # the account pages' own
    assert JobPosting.objects.get(pk=paid.pk).employer.email == "boss@example.com"

    visitor.assert_no_problems()
    context.close()

"""Renewing from the expiry email's link, as a person does it, at both sizes: the page
says what they get and the price, one Pay button, Stripe's page, and back to "renewed"."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.accounts import site_path
from tests.e2e.test_every_page import SIZES, Visitor
from tests.factories import posting_at
from wizard.models import Actor, JobPosting, PaymentAttempt, Status
from wizard.postings import links, review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_renewing_from_the_email_link(browser, app, size):
    posting = review.approve(posting_at(Status.IN_REVIEW).pk, by=Actor.system())
    expires_at = posting.expires_at
    context = browser.new_context(viewport=SIZES[size])
    visitor = Visitor(context, size, app.url)
    page = visitor.page

    visitor.goto(site_path(links.renew_url(posting)))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renew")
    expect(page.get_by_text(re.compile(r" → "))).to_be_visible()
    visitor.check("renew")
    assert not PaymentAttempt.objects.filter(purpose="renewal").exists()  # a GET starts nothing

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_label("Card number").fill("4242424242424242")
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", name="Your posting is renewed")).to_be_visible()
    visitor.check("renewed")
    renewed = JobPosting.objects.get(pk=posting.pk)
    assert renewed.expires_at > expires_at and renewed.status == Status.PUBLISHED
    visitor.assert_no_problems()
    context.close()

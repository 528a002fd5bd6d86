"""The invoice as an employer opens it, at both sizes: the posting's page links to it, the
link opens Stripe's invoice PDF (fakestripe's stand-in page), and before Stripe has made
any document the link says it is not ready yet."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.attempts import attempt_for
from tests.e2e.conftest import screenshot_path
from tests.e2e.test_every_page import SIZES, Visitor
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from wizard.models import JobPosting, Status
from wizard.payments import receipt_links
from wizard.postings.links import make_manage_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid(app, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    client = Client()
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    return JobPosting.objects.get(pk=posting.pk)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_posting_page_opens_the_invoice_pdf(browser, app, paid, size):
    context = browser.new_context(viewport=SIZES[size])
    v = Visitor(context, size, app.url)
    page = v.page
    v.goto(reverse("wizard:manage", args=[make_manage_token(paid)]))
    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    link = page.get_by_role("link", name="Download your invoice or receipt")
    expect(link).to_be_visible()
    v.check("receipt-link")

    link.click()

    attempt = paid.current_attempt
    expect(page).to_have_url(attempt.invoice_pdf_url)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Invoice [A-Z0-9]{8}-\d{4} \(PDF\)$"))
    expect(page.locator("main")).to_contain_text("USD 99.00")
    expect(page.locator("main")).to_contain_text(paid.reference)
    page.screenshot(path=screenshot_path(f"receipts/invoice-pdf-{size}"), full_page=True)
    page.goto(attempt.invoice_url)
    expect(page.get_by_role("link", name="Download invoice")).to_be_visible()
    page.screenshot(path=screenshot_path(f"receipts/hosted-invoice-{size}"), full_page=True)
    v.assert_no_problems()
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_receipt_not_made_yet_says_so(browser, app, size):
    posting = posting_at(Status.IN_REVIEW)
    attempt = attempt_for(posting, session_id="cs_test_not_at_stripe", payment_intent_id="pi_x")
    context = browser.new_context(viewport=SIZES[size])
    v = Visitor(context, size, app.url)

    v.goto(receipt_links.receipt_path(attempt.pk))

    expect(v.page.get_by_role("heading", level=1)).to_have_text("Your receipt is not ready yet")
    v.check("receipt-not-ready")
    v.assert_no_problems()
    context.close()

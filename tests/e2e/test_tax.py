"""Tax in the browser: the employer pays on the hosted page with a billing country, sees
the VAT there, and again on the confirmation page's ledger and the invoice."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, fill_details, pay, start_posting, upload_logo
from wizard.models import JobPosting
from wizard.postings.money import money

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_consumer_in_germany_pays_vat_and_sees_it_on_the_confirmation_and_invoice(
    page, app, task_worker
):
    start_posting(page, app)
    upload_logo(page)
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))
    expect(page.get_by_text("Tax: calculated from your billing country")).to_be_visible()
    page.get_by_label("Billing country", exact=True).select_option("DE")
    page.screenshot(path=screenshot_path("tax-hosted-page-billing-country"), caret="initial")
    pay(page, CARD_OK)

    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    summary = f"{money(11781, 'usd')} ({money(9900, 'usd')} + VAT {money(1881, 'usd')})"
    expect(page.get_by_text(summary)).to_be_visible()
    page.screenshot(path=screenshot_path("tax-confirmation-ledger"), caret="initial")
    attempt = JobPosting.objects.get().current_attempt
    assert (attempt.price, attempt.tax, attempt.amount) == (9900, 1881, 11781)

    page.get_by_role("link", name="Download your invoice or receipt").click()
    main = page.locator("main")
    expect(main).to_contain_text("USD 117.81")  # fakestripe's own format: paid
    expect(main).to_contain_text("USD 18.81")  # the tax line
    page.screenshot(path=screenshot_path("tax-invoice"), caret="initial")
